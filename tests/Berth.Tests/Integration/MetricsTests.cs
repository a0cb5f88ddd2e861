using System.Net;
using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>
/// The Prometheus endpoints over real HTTP on the shared deployment: the silo's own port
/// (<c>Silo__MetricsPort</c>, no key) and the gateway's <c>/metrics</c> (operator role).
/// </summary>
[Collection(BerthClusterCollection.Name)]
public sealed class MetricsTests(BerthClusterFixture berth)
{
    [DockerFact]
    public async Task A_claim_and_a_proxied_request_show_on_the_silo_and_gateway_metrics()
    {
        var workload = Workloads.NewId("metrics");
        (await berth.Api.PutWorkloadYamlAsync(workload, Workloads.WebServer(workload, 1, 2))).EnsureSuccessStatusCode();
        var tenant = $"t-{workload}";
        var claim = await berth.Api.ClaimOkAsync(tenant, workload);
        using (var page = await berth.Http.GetAsync($"/tenants/{tenant}/ports/8080/"))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        }

        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{berth.Deployment.SiloMetricsPorts[0]}"), Timeout = TimeSpan.FromSeconds(30) };
        var source = claim.Source.ToString()!.ToLowerInvariant();
        // Gauges follow the grains' ticks: polled until the pool has reported this workload.
        var silo = await Eventually.Until(() => scraper.GetStringAsync("/metrics"),
            text => text.Contains($"berth_pool_members{{") && Series(text, "berth_pool_members", $"workload=\"{workload}\"").Any(),
            "the silo to export this workload's pool members");
        Assert.Contains(Series(silo, "berth_claims_total", $"workload=\"{workload}\""), s => s.Contains($"source=\"{source}\"") && s.Contains("outcome=\"ok\""));
        Assert.NotEmpty(Series(silo, "berth_claim_duration_seconds_bucket", $"workload=\"{workload}\""));
        Assert.Contains(Series(silo, "berth_pool_members", $"workload=\"{workload}\""), s => s.Contains("state=\"claimed\""));
        Assert.Contains(Series(silo, "berth_host_up", $"host=\"{claim.HostId}\""), s => s.EndsWith(" 1"));
        Assert.NotEmpty(Series(silo, "berth_host_containers", $"host=\"{claim.HostId}\""));
        Assert.Matches(@"(?m)^orleans_\w+", silo);

        using var anonymous = berth.Deployment.NewClient(null);
        using (var refused = await anonymous.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }
        var gateway = await berth.Http.GetStringAsync("/metrics");
        Assert.Contains(Series(gateway, "berth_proxy_requests_total", "status_class=\"2xx\""), s => s.Contains("method=\"GET\""));
        Assert.NotEmpty(Series(gateway, "berth_proxy_request_duration_seconds_bucket", "status_class=\"2xx\""));
        Assert.NotEmpty(Series(gateway, "http_server_request_duration_seconds_bucket", ""));

        await berth.Api.ReleaseOkAsync(tenant, workload);
    }

    /// <summary>The sample lines of one metric whose labels contain <paramref name="label"/>.</summary>
    private static IEnumerable<string> Series(string exposition, string metric, string label) =>
        exposition.Split('\n').Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal));
}
