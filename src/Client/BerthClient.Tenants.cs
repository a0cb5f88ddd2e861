using Berth.Client.Models;

namespace Berth.Client;

/// <summary><c>/tenants/{id}</c>: claim, release, sync and status.</summary>
public sealed partial class BerthClient
{
    private const string IdempotencyKey = "Idempotency-Key";

    /// <summary>Claims a container of <paramref name="workload"/>; every retry of this call sends one Idempotency-Key, so it claims once.</summary>
    public Task<TenantClaim> ClaimAsync(string tenantId, string workload, string? ttl = null, CancellationToken cancellationToken = default)
    {
        var key = Guid.NewGuid().ToString("N");
        return SendJsonAsync<TenantClaim>(() => WithKey(Request(HttpMethod.Post, $"/tenants/{Escape(tenantId)}/claim",
            JsonBody(new { workload, ttl })), key), cancellationToken);
    }

    /// <summary>Releases the tenant's container (of <paramref name="workload"/> when it holds several); <paramref name="force"/> skips saving (admin).</summary>
    public Task<TenantClaim> ReleaseAsync(string tenantId, string? workload = null, bool force = false, CancellationToken cancellationToken = default)
    {
        var key = Guid.NewGuid().ToString("N");
        return SendJsonAsync<TenantClaim>(() => WithKey(Request(HttpMethod.Post, $"/tenants/{Escape(tenantId)}/release" + Query(("force", force ? "true" : null)),
            JsonBody(new { workload })), key), cancellationToken);
    }

    public Task<TenantClaim> SyncAsync(string tenantId, string? workload = null, CancellationToken cancellationToken = default) =>
        SendJsonAsync<TenantClaim>(() => Request(HttpMethod.Post, $"/tenants/{Escape(tenantId)}/sync", JsonBody(new { workload })), cancellationToken);

    public Task<TenantStatus> GetTenantStatusAsync(string tenantId, CancellationToken cancellationToken = default) =>
        SendJsonAsync<TenantStatus>(() => Request(HttpMethod.Get, $"/tenants/{Escape(tenantId)}/status"), cancellationToken);

    private static HttpRequestMessage WithKey(HttpRequestMessage request, string key)
    {
        request.Headers.Add(IdempotencyKey, key);
        return request;
    }
}
