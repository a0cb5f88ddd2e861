using Berth.Client.Models;

namespace Berth.Client;

/// <summary><c>/auth</c> (keys, whoami) and <c>/audit</c>.</summary>
public sealed partial class BerthClient
{
    public Task<WhoAmI> WhoAmIAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<WhoAmI>(() => Request(HttpMethod.Get, "/auth/whoami"), cancellationToken);

    public Task<ApiKey[]> ListKeysAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<ApiKey[]>(() => Request(HttpMethod.Get, "/auth/keys"), cancellationToken);

    /// <summary>Creates a key; the answer's secret is shown this once.</summary>
    public Task<CreatedApiKey> CreateKeyAsync(string name, string role, string? tenantId = null, CancellationToken cancellationToken = default) =>
        SendJsonAsync<CreatedApiKey>(() => Request(HttpMethod.Post, "/auth/keys", JsonBody(new { name, role, tenantId })), cancellationToken);

    public async Task RevokeKeyAsync(string keyId, CancellationToken cancellationToken = default)
    {
        using var _ = await SendAsync(() => Request(HttpMethod.Delete, $"/auth/keys/{Escape(keyId)}"), cancellationToken);
    }

    public Task<AuditEntry[]> QueryAuditAsync(AuditQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new AuditQuery();
        var text = Query(("principal", query.Principal), ("resource", query.Resource), ("since", Text(query.Since)), ("until", Text(query.Until)),
            ("limit", Text(query.Limit)));
        return SendJsonAsync<AuditEntry[]>(() => Request(HttpMethod.Get, "/audit" + text), cancellationToken);
    }

    public Task<AuditVerification> VerifyAuditAsync(CancellationToken cancellationToken = default) =>
        SendJsonAsync<AuditVerification>(() => Request(HttpMethod.Get, "/audit/verify"), cancellationToken);
}
