using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Berth.Configuration;
using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>Boilerhouse's own client routes and answer shapes, over real sockets on the real engine.</summary>
public sealed class BoilerhouseApiTests
{
    [DockerFact]
    public async Task Boilerhouse_clients_claim_read_status_and_release_unchanged()
    {
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite);
        await berth.StartAsync();
        var id = Workloads.NewId("bhapi");
        (await berth.Api.PutWorkloadYamlAsync(id, Workloads.WebServer(id, 1, 1))).EnsureSuccessStatusCode();
        await berth.Api.WaitForIdleAsync(id, 1);
        var tenant = $"t-{id}";

        using var claim = await berth.Http.PostAsJsonAsync($"/api/v1/tenants/{tenant}/claim", new { poolId = id });
        var claimBody = JsonDocument.Parse(await claim.Content.ReadAsStringAsync()).RootElement;
        Assert.True(claim.IsSuccessStatusCode, claimBody.ToString());
        var containerId = claimBody.GetProperty("containerId").GetString();
        var http = claimBody.GetProperty("endpoints").GetProperty("http").GetString()!;
        Assert.StartsWith("http://127.0.0.1:", http);
        Assert.Equal(new Uri(http).Port, claimBody.GetProperty("endpoints").GetProperty("port").GetInt32());
        using (var direct = new HttpClient())
        {
            Assert.Equal(HttpStatusCode.OK, (await direct.GetAsync(http)).StatusCode);
        }

        var status = JsonDocument.Parse(await berth.Http.GetStringAsync($"/api/v1/tenants/{tenant}/status")).RootElement;
        Assert.Equal("warm", status.GetProperty("status").GetString());
        Assert.Equal(containerId, status.GetProperty("containerId").GetString());
        Assert.Equal(id, status.GetProperty("poolId").GetString());
        Assert.Equal(http, status.GetProperty("endpoints").GetProperty("http").GetString());
        Assert.Equal("idle", status.GetProperty("syncStatus").GetProperty("state").GetString());

        // The pool is at max_size (1): Boilerhouse's answer is 429.
        using (var full = await berth.Http.PostAsJsonAsync($"/api/v1/tenants/other-{tenant}/claim", new { poolId = id }))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, full.StatusCode);
            Assert.NotNull(full.Headers.RetryAfter);
        }
        // Berth's own route takes poolId too, and a claim repeated is the same container.
        var again = await BerthApi.ReadOkAsync<Berth.Contracts.TenantClaimView>(await berth.Http.PostAsJsonAsync($"/tenants/{tenant}/claim", new { poolId = id }));
        Assert.Equal(containerId, again.ContainerId);

        using var release = await berth.Http.PostAsJsonAsync($"/api/v1/tenants/{tenant}/release", new { poolId = id });
        Assert.Equal("{\"success\":true}", await release.Content.ReadAsStringAsync());
        var cold = JsonDocument.Parse(await berth.Http.GetStringAsync($"/api/v1/tenants/{tenant}/status")).RootElement;
        Assert.Equal("cold", cold.GetProperty("status").GetString());
        Assert.False(cold.TryGetProperty("containerId", out var gone) && gone.ValueKind != JsonValueKind.Null, "a cold tenant has no container");

        // Still behind Berth's keys.
        using var anonymous = berth.NewClient(null);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/v1/tenants/{tenant}/status")).StatusCode);
    }
}
