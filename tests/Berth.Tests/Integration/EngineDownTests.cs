using System.Diagnostics;
using System.Net;
using Berth.Configuration;
using Berth.Contracts;
using Berth.Tests.Support;
using Docker.DotNet.Models;
using Xunit.Abstractions;

namespace Berth.Tests.Integration;

/// <summary>A Docker engine goes down and comes back: Berth fails fast meanwhile and recovers by itself.</summary>
public sealed class EngineDownTests(ITestOutputHelper output)
{
    [DockerFact]
    public async Task While_the_engine_is_down_claims_get_503_naming_the_host_and_berth_recovers_when_it_returns()
    {
        await using var engine = new PrivateDockerEngine();
        await engine.StartAsync();
        await engine.LoadImageAsync(DockerRequirement.TestImage);
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite, siloEnvironment: new Dictionary<string, string>
        {
            ["Berth__Hosts__0__Id"] = "e2",
            ["Berth__Hosts__0__Endpoint"] = engine.Endpoint,
        });
        await berth.StartAsync();
        using var e2 = engine.CreateClient();

        var workload = Workloads.NewId("down");
        (await berth.Api.PutWorkloadYamlAsync(workload, Workloads.Sleeper(workload, min: 2, max: 6))).EnsureSuccessStatusCode();
        await berth.Api.WaitForIdleAsync(workload, 2);
        var before = await berth.Api.ClaimOkAsync($"before-{workload}", workload);
        Assert.Equal("e2", before.HostId);

        await engine.StopAsync();

        // Once the host's sweep notices, claims are refused at once with the host named.
        var refused = await Eventually.Until(async () =>
        {
            using var response = await berth.Api.ClaimAsync($"during-{Guid.NewGuid():N}", workload);
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(), RetryAfter: response.Headers.RetryAfter is not null);
        }, r => r.StatusCode == HttpStatusCode.ServiceUnavailable && r.Body.Contains("'e2'"), "claims to be refused naming host e2");
        Assert.True(refused.RetryAfter);
        // A refusal may come from a failed cold create before the host's sweep has marked it unhealthy.
        await Eventually.Until(() => berth.Http.GetStringAsync("/hosts/e2"), host => host.Contains("\"healthy\":false"), "host e2 to show unhealthy");

        var restarted = Stopwatch.StartNew();
        await engine.StartAsync();

        var after = await Eventually.Until(async () =>
        {
            using var response = await berth.Api.ClaimAsync($"after-{workload}", workload);
            return response.StatusCode == HttpStatusCode.OK ? await BerthApi.ReadOkAsync<TenantClaimView>(response) : null;
        }, c => c is not null, "claims to succeed after the engine is back");
        output.WriteLine($"first successful claim {restarted.ElapsedMilliseconds} ms after the engine started again");
        Assert.True((await e2.Containers.InspectContainerAsync(after!.ContainerId)).State.Running);

        // The claim made before the outage lost its container (the engine stopped it): visible, and
        // the tenant's next claim gets a fresh one.
        await Eventually.Until(() => berth.Api.StatusAsync($"before-{workload}"), s => s.Claims[0].State == TenantClaimState.Lost, "the old claim to turn Lost");
        var fresh = await berth.Api.ClaimOkAsync($"before-{workload}", workload);
        Assert.NotEqual(before.ContainerId, fresh.ContainerId);

        // No duplicates: the engine runs exactly the pool's members.
        var pool = await berth.Api.WaitForIdleAsync(workload, 2);
        await Eventually.Until(async () =>
        {
            var listed = await e2.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"berth.cluster={berth.ClusterId}"] = true } },
            });
            var members = (await berth.Api.PoolAsync(workload)).Members.Select(m => m.ContainerId ?? "").ToHashSet();
            return listed.Select(c => c.ID).ToHashSet().SetEquals(members);
        }, same => same, "the engine to run exactly the pool's members");
        Assert.Equal(2, pool.Claimed);
    }
}
