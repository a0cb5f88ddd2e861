using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Berth.Configuration;
using Berth.Contracts;
using Berth.Tests.Support;
using Docker.DotNet;
using Docker.DotNet.Models;
using Xunit.Abstractions;

namespace Berth.Tests.Integration;

/// <summary>
/// Hosts that die and come back, against real engines: three engines (the shared one and two of the
/// test's own), one SIGKILLed in the middle of a claim storm.
/// </summary>
public sealed class HostFailureTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DownAfter = TimeSpan.FromSeconds(5);

    private static string StatefulSleeper(string id, int min, int max, string extra = "") => $"""
        id: {id}
        image: {DockerRequirement.TestImage}
        command: ["sleep", "3600"]
        volumes:
          state:
            target: /data
        pool:
          min_size: {min}
          max_size: {max}
        {extra}
        """;

    private static async Task<HashSet<string>> ClusterContainersAsync(DockerClient docker, string clusterId, string workload) =>
        (await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"berth.cluster={clusterId}"] = true, [$"berth.workload={workload}"] = true },
            },
        })).Select(c => c.ID).ToHashSet();

    [DockerFact]
    public async Task Killing_one_of_three_engines_mid_storm_moves_its_tenants_to_live_hosts_with_their_last_snapshot_and_reconciles_it_when_it_returns()
    {
        await using var e2 = new PrivateDockerEngine();
        await using var e3 = new PrivateDockerEngine();
        await Task.WhenAll(e2.StartAsync(), e3.StartAsync());
        await Task.WhenAll(e2.LoadImageAsync(DockerRequirement.TestImage), e3.LoadImageAsync(DockerRequirement.TestImage));
        await using var berth = new BerthDeployment(DatabaseProvider.Sqlite, siloEnvironment: new Dictionary<string, string>
        {
            ["Berth__Hosts__0__Id"] = "local",
            ["Berth__Hosts__0__Endpoint"] = $"unix://{DockerRequirement.Socket}",
            ["Berth__Hosts__1__Id"] = "e2",
            ["Berth__Hosts__1__Endpoint"] = e2.Endpoint,
            ["Berth__Hosts__2__Id"] = "e3",
            ["Berth__Hosts__2__Endpoint"] = e3.Endpoint,
            ["Berth__HostDownAfter"] = DownAfter.ToString(),
        });
        await berth.StartAsync();
        using var e2Client = e2.CreateClient();
        using var e3Client = e3.CreateClient();
        DockerClient Engine(string host) => host switch { "e2" => e2Client, "e3" => e3Client, _ => berth.Docker };

        var workload = Workloads.NewId("hostdie");
        (await berth.Api.PutWorkloadYamlAsync(workload, StatefulSleeper(workload, min: 6, max: 60))).EnsureSuccessStatusCode();
        await berth.Api.WaitForIdleAsync(workload, 6);

        // Tenants with a saved v1 and an unsaved v2, until a few of them hold a container on e2.
        var holders = new Dictionary<string, TenantClaimView>();
        for (var i = 0; i < 40 && holders.Values.Count(c => c.HostId == "e2") < 3; i++)
        {
            var tenant = $"t{i:00}-{workload}";
            var first = await berth.Api.ClaimOkAsync(tenant, workload);
            await ContainerFiles.WriteAsync(Engine(first.HostId!), first.ContainerId!, "/data", new Dictionary<string, byte[]> { ["mark"] = Encoding.UTF8.GetBytes($"v1 {tenant}") });
            await berth.Api.ReleaseOkAsync(tenant, workload);
            var second = await berth.Api.ClaimOkAsync(tenant, workload);
            await ContainerFiles.WriteAsync(Engine(second.HostId!), second.ContainerId!, "/data", new Dictionary<string, byte[]> { ["mark"] = Encoding.UTF8.GetBytes($"v2 {tenant}") });
            holders[tenant] = second;
        }
        var victims = holders.Where(h => h.Value.HostId == "e2").ToDictionary(h => h.Key, h => h.Value);
        Assert.True(victims.Count > 0, "no tenant landed on e2 in 40 claims: placement does not spread");
        output.WriteLine($"{holders.Count} tenants, {victims.Count} on e2: {string.Join(", ", holders.Values.GroupBy(c => c.HostId).Select(g => $"{g.Key} {g.Count()}"))}");

        // The storm: fresh tenants claim and release all along; each attempt is recorded.
        var attempts = new ConcurrentBag<(DateTimeOffset At, HttpStatusCode Status, string? Host, string Body)>();
        using var stop = new CancellationTokenSource();
        async Task StormAsync(int loop)
        {
            for (var i = 0; i < 10_000 && !stop.IsCancellationRequested; i++)
            {
                var tenant = $"s{loop}-{i}-{workload}";
                var at = DateTimeOffset.UtcNow;
                using var response = await berth.Api.ClaimAsync(tenant, workload);
                var body = await response.Content.ReadAsStringAsync();
                var host = response.IsSuccessStatusCode ? System.Text.Json.JsonSerializer.Deserialize<TenantClaimView>(body, BerthApi.Json)!.HostId : null;
                attempts.Add((at, response.StatusCode, host, body));
                if (response.IsSuccessStatusCode) using (await berth.Api.ReleaseAsync(tenant, workload)) { }
            }
        }
        var storm = Task.WhenAll(StormAsync(0), StormAsync(1));
        await Task.Delay(TimeSpan.FromSeconds(2));

        var killedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await e2.KillAsync();
        var down = await Eventually.Until(() => berth.Api.HostAsync("e2"), h => h?.State == "down", "e2 to be down");
        var downAfter = clock.Elapsed;
        Assert.NotNull(down!.DownSince);
        var downAt = DateTimeOffset.UtcNow;

        // Its tenants turn lost with the reason, and their next claim lands on a live host with v1.
        var served = TimeSpan.Zero;
        foreach (var (tenant, old) in victims)
        {
            var lost = await Eventually.Until(async () => (await berth.Api.StatusAsync(tenant)).Claims.Single(), c => c.State == TenantClaimState.Lost, $"{tenant} to turn lost");
            Assert.Contains("host e2 down since", lost.Error);
            var moved = await berth.Api.ClaimOkAsync(tenant, workload);
            served = clock.Elapsed;
            Assert.NotEqual("e2", moved.HostId);
            Assert.Equal($"v1 {tenant}", Encoding.UTF8.GetString(await ContainerFiles.ReadAsync(Engine(moved.HostId!), moved.ContainerId!, "/data/mark")));
            Assert.Contains("host e2 is down since", moved.RestoredFrom!.Note);
            holders[tenant] = moved;
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await storm;

        // Claims kept succeeding on the live hosts once e2 was known down (a pool tick after it).
        var after = attempts.Where(a => a.At > downAt.AddSeconds(1)).ToList();
        var refusedAfter = after.Where(a => a.Status != HttpStatusCode.OK).ToList();
        var refusedDuring = attempts.Count(a => a.At >= killedAt && a.At <= downAt && a.Status != HttpStatusCode.OK);
        output.WriteLine($"e2 down {downAfter.TotalSeconds:0.0} s after the kill (HostDownAfter {DownAfter.TotalSeconds} s); its {victims.Count} tenants served elsewhere {served.TotalSeconds:0.0} s after it");
        output.WriteLine($"storm: {attempts.Count} claims, {attempts.Count(a => a.Status != HttpStatusCode.OK)} refused; {refusedDuring} refused between the kill and 'down', {refusedAfter.Count} of {after.Count} after");
        Assert.True(after.Count > 0, "the storm made no claims after e2 was down");
        Assert.True(refusedAfter.Count == 0, string.Join("\n", refusedAfter.Take(5).Select(r => $"{(int)r.Status}: {r.Body}")));
        Assert.DoesNotContain(after, a => a.Host == "e2");

        // Invariants against Docker: no container held twice, and the live engines run exactly the pool's members and claims.
        var held = holders.Values.Select(c => c.ContainerId).ToList();
        Assert.Equal(held.Count, held.Distinct().Count());
        await Eventually.Until(async () =>
        {
            var pool = await berth.Api.PoolAsync(workload);
            var known = pool.Members.Where(m => m.HostId != "e2" && m.ContainerId is not null).Select(m => m.ContainerId!).ToHashSet();
            var listed = (await ClusterContainersAsync(berth.Docker, berth.ClusterId, workload)).Union(await ClusterContainersAsync(e3Client, berth.ClusterId, workload)).ToHashSet();
            return listed.SetEquals(known);
        }, same => same, "the live engines to run exactly the pool's members and claims");

        // e2 returns: the containers its tenants moved on from are saved as recovered snapshots (v2), then removed.
        clock.Restart();
        await e2.StartAsync();
        await Eventually.Until(() => berth.Api.HostAsync("e2"), h => h?.State == "active", "e2 to be active again");
        var back = clock.Elapsed;
        foreach (var (tenant, old) in victims)
        {
            var status = await Eventually.Until(() => berth.Api.StatusAsync(tenant), s => s.Recovered is { Length: 1 }, $"{tenant}'s recovered snapshot");
            Assert.Equal(old.ContainerId, status.Recovered![0].ContainerId);
            Assert.Equal(TenantClaimState.Claimed, status.Claims.Single().State);
            Assert.Equal(holders[tenant].ContainerId, status.Claims.Single().ContainerId);
        }
        await Eventually.Until(async () =>
        {
            var pool = await berth.Api.PoolAsync(workload);
            var onE2 = pool.Members.Where(m => m.HostId == "e2" && m.ContainerId is not null).Select(m => m.ContainerId!).ToHashSet();
            return (await ClusterContainersAsync(e2Client, berth.ClusterId, workload)).SetEquals(onE2);
        }, same => same, "e2 to run only the pool's members again (its leftovers reconciled)");
        output.WriteLine($"e2 active {back.TotalSeconds:0.0} s after its engine started again; leftovers reconciled {clock.Elapsed.TotalSeconds:0.0} s after");
    }
}
