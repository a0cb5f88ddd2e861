using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Contracts;

namespace Berth.Tests.Support;

/// <summary>A thin client of the gateway's HTTP API, reading answers into the public contract types.</summary>
public sealed class BerthApi(HttpClient http)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    public HttpClient Http => http;

    public Task<HttpResponseMessage> PutWorkloadYamlAsync(string id, string yaml) =>
        http.PutAsync($"/workloads/{id}", new StringContent(yaml, Encoding.UTF8, "application/yaml"));

    public Task<HttpResponseMessage> ClaimAsync(string tenant, string workload) =>
        http.PostAsync($"/tenants/{tenant}/claim", JsonContent.Create(new { workload }));

    public Task<HttpResponseMessage> ReleaseAsync(string tenant, string? workload = null, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/tenants/{tenant}/release")
        {
            Content = workload is null ? null : JsonContent.Create(new { workload }),
        };
        if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        return http.SendAsync(request);
    }

    public async Task<TenantClaimView> ClaimOkAsync(string tenant, string workload)
    {
        using var response = await ClaimAsync(tenant, workload);
        return await ReadOkAsync<TenantClaimView>(response);
    }

    public async Task<TenantClaimView> ReleaseOkAsync(string tenant, string? workload = null)
    {
        using var response = await ReleaseAsync(tenant, workload);
        return await ReadOkAsync<TenantClaimView>(response);
    }

    /// <summary>Creates an API key (the client must be an admin's) and returns its secret, shown only in this answer.</summary>
    public async Task<string> CreateKeyAsync(string role, string? tenantId = null, string? name = null)
    {
        using var response = await http.PostAsJsonAsync("/auth/keys", new { name = name ?? $"test {role}", role, tenantId });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == System.Net.HttpStatusCode.Created, body);
        return System.Text.Json.JsonDocument.Parse(body).RootElement.GetProperty("secret").GetString()!;
    }

    public async Task<TenantStatus> StatusAsync(string tenant) =>
        await ReadOkAsync<TenantStatus>(await http.GetAsync($"/tenants/{tenant}/status"));

    public async Task<PoolView> PoolAsync(string workload) =>
        await ReadOkAsync<PoolView>(await http.GetAsync($"/pools/{workload}"));

    /// <summary>The host's registry entry, or null when it is not registered (404).</summary>
    public async Task<HostJson?> HostAsync(string hostId)
    {
        using var response = await http.GetAsync($"/hosts/{hostId}");
        return response.StatusCode == System.Net.HttpStatusCode.NotFound ? null : await ReadOkAsync<HostJson>(response);
    }

    public static async Task<T> ReadOkAsync<T>(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new Xunit.Sdk.XunitException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode}: {body}");
        }
        return JsonSerializer.Deserialize<T>(body, Json)!;
    }

    public Task<PoolView> WaitForIdleAsync(string workload, int idle) =>
        Eventually.Until(() => PoolAsync(workload), p => p.Idle == idle && p.Creating == 0 && p.Destroying == 0,
            $"pool {workload} to have {idle} idle members");
}
