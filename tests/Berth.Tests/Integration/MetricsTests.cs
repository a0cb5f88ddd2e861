using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Berth.Contracts;
using Berth.Tests.Support;
using Docker.DotNet.Models;

namespace Berth.Tests.Integration;

/// <summary>
/// The Prometheus endpoints over real HTTP on the shared deployment: the silo's own port
/// (<c>Silo__MetricsPort</c>, no key) and the gateway's <c>/metrics</c> (operator role); and the
/// traces both export to the deployment's OTLP collector.
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
        // Gauges follow the grains' ticks (the pool's and the host registry's, each on its own
        // timer): polled until both have reported this workload and its host.
        var silo = await Eventually.Until(() => scraper.GetStringAsync("/metrics"),
            text => Series(text, "berth_pool_members", $"workload=\"{workload}\"").Any(s => s.Contains("state=\"claimed\""))
                && Series(text, "berth_host_up", $"host=\"{claim.HostId}\"").Any()
                && Series(text, "berth_host_containers", $"host=\"{claim.HostId}\"").Any(),
            "the silo to export this workload's pool members and its host");
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

    [DockerFact]
    public async Task A_claims_trace_runs_from_the_gateway_through_the_silo_to_docker()
    {
        var workload = Workloads.NewId("traced");
        // Nothing warm: the claim is cold, so the engine's create and start are part of its trace.
        (await berth.Api.PutWorkloadYamlAsync(workload, Workloads.Sleeper(workload, 0, 1))).EnsureSuccessStatusCode();
        var tenant = $"t-{workload}";
        var traceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/tenants/{tenant}/claim") { Content = JsonContent.Create(new { workload }) };
        request.Headers.Add("traceparent", $"00-{traceId}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-01");
        var claim = await BerthApi.ReadOkAsync<TenantClaimView>(await berth.Http.SendAsync(request));
        Assert.Equal(ClaimSource.Cold, claim.Source);

        var spans = await Eventually.Until(() => Task.FromResult(berth.Otlp.SpansOf(traceId).ToList()),
            // A parent span ends (and is exported) after its children: wait for every span asserted below.
            s => s.Any(x => x.Service == "berth-gateway")
                && new[] { "docker.container.create", "docker.container.start", "berth.claim", "berth.member.create" }
                    .All(name => s.Any(x => x.Service == "berth-silo" && x.Name == name)),
            "the gateway's and the silo's spans of the claim's trace");
        var create = Assert.Single(spans, s => s.Service == "berth-silo" && s.Name == "docker.container.create");
        Assert.Equal(workload, create.Attributes.GetValueOrDefault("berth.workload"));
        Assert.Equal(claim.HostId, create.Attributes.GetValueOrDefault("berth.host"));
        Assert.StartsWith(create.Attributes.GetValueOrDefault("berth.container") ?? "(none)", claim.ContainerId);
        Assert.Contains(spans, s => s.Service == "berth-silo" && s.Name == "berth.claim" && s.Attributes.GetValueOrDefault("berth.tenant") == tenant);
        Assert.Contains(spans, s => s.Service == "berth-silo" && s.Name == "berth.member.create" && s.Attributes.GetValueOrDefault("berth.tenant") == tenant);

        await berth.Api.ReleaseOkAsync(tenant, workload);
    }

    [DockerFact]
    public async Task A_snapshot_and_a_failed_create_show_on_the_silo_metrics()
    {
        var stateful = Workloads.NewId("snapmet");
        (await berth.Api.PutWorkloadYamlAsync(stateful, StateSyncTests.StatefulWorkload(stateful, "filesystem"))).EnsureSuccessStatusCode();
        var tenant = $"t-{stateful}";
        var claim = await berth.Api.ClaimOkAsync(tenant, stateful);
        const int stateBytes = 200_000;
        await ContainerFiles.WriteAsync(berth.Docker, claim.ContainerId!, "/data", new Dictionary<string, byte[]> { ["blob.bin"] = RandomNumberGenerator.GetBytes(stateBytes) });
        Assert.NotNull((await berth.Api.ReleaseOkAsync(tenant, stateful)).LastSnapshotAt);

        // An image the engine had when the workload was registered, and no longer has when it is claimed.
        var broken = Workloads.NewId("gone");
        var image = $"berth-{broken}";
        await berth.Docker.Images.TagImageAsync(DockerRequirement.TestImage, new ImageTagParameters { RepositoryName = image, Tag = "test" });
        try
        {
            (await berth.Api.PutWorkloadYamlAsync(broken, $"""
                id: {broken}
                image: {image}:test
                command: ["sleep", "3600"]
                pool:
                  min_size: 0
                  max_size: 1
                """)).EnsureSuccessStatusCode();
        }
        finally
        {
            await berth.Docker.Images.DeleteImageAsync($"{image}:test", new ImageDeleteParameters());
        }
        using (var refused = await berth.Api.ClaimAsync($"t-{broken}", broken))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        }

        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{berth.Deployment.SiloMetricsPorts[0]}"), Timeout = TimeSpan.FromSeconds(30) };
        var silo = await Eventually.Until(() => scraper.GetStringAsync("/metrics"),
            text => Series(text, "berth_create_failures_total", $"workload=\"{broken}\"").Any(),
            "the silo to export the failed create");
        Assert.Contains(Series(silo, "berth_create_failures_total", $"workload=\"{broken}\""),
            s => s.Contains($"host=\"{claim.HostId}\"") && s.Contains("fault=\"workload\"") && Value(s) >= 1);
        Assert.Equal(1, Value(Assert.Single(Series(silo, "berth_snapshot_bytes_count", $"workload=\"{stateful}\""))));
        Assert.InRange(Value(Assert.Single(Series(silo, "berth_snapshot_bytes_sum", $"workload=\"{stateful}\""))), stateBytes, 2 * stateBytes);
        Assert.NotEmpty(Series(silo, "berth_snapshot_bytes_bucket", $"workload=\"{stateful}\""));
        Assert.Equal(1, Value(Assert.Single(Series(silo, "berth_snapshot_duration_seconds_count", $"workload=\"{stateful}\""))));
        Assert.True(Value(Assert.Single(Series(silo, "berth_snapshot_duration_seconds_sum", $"workload=\"{stateful}\""))) > 0);
    }

    /// <summary>A sample line's value (<c>name{labels} value</c>).</summary>
    private static double Value(string sample) =>
        double.Parse(sample[(sample.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>The sample lines of one metric whose labels contain <paramref name="label"/>.</summary>
    private static IEnumerable<string> Series(string exposition, string metric, string label) =>
        exposition.Split('\n').Where(line => line.StartsWith(metric + "{", StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal));
}
