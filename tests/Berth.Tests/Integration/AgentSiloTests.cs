using System.Diagnostics;
using System.Net;
using Berth.Configuration;
using Berth.Contracts;
using Berth.Tests.Support;
using Docker.DotNet;
using Docker.DotNet.Models;
using Xunit.Abstractions;

namespace Berth.Tests.Integration;

/// <summary>
/// A host reached through its agent silo, against real processes and a real private engine: the
/// agent (silo 1, <c>Silo__Agent__*</c>) is the only process that talks to that engine. Killing the
/// agent takes the host down though its engine still runs; starting it again brings the same host
/// back, once.
/// </summary>
public sealed class AgentSiloTests(ITestOutputHelper output)
{
    private static readonly TimeSpan DownAfter = TimeSpan.FromSeconds(5);

    private static async Task<HashSet<string>> ContainersAsync(DockerClient docker, string clusterId, string workload) =>
        (await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"berth.cluster={clusterId}"] = true, [$"berth.workload={workload}"] = true },
            },
        })).Select(c => c.ID).ToHashSet();

    [PostgresDockerFact]
    public async Task An_agent_silo_killed_takes_its_host_down_and_restarted_brings_the_same_host_back_active_once()
    {
        await using var e2 = new PrivateDockerEngine();
        await e2.StartAsync();
        await e2.LoadImageAsync(DockerRequirement.TestImage);
        await e2.LoadImageAsync(DockerRequirement.WebTestImage);
        await using var berth = new BerthDeployment(DatabaseProvider.Postgres, silos: 2, siloEnvironment: new Dictionary<string, string>
        {
            ["Berth__Hosts__0__Id"] = "local",
            ["Berth__Hosts__0__Endpoint"] = $"unix://{DockerRequirement.Socket}",
            ["Berth__HostDownAfter"] = DownAfter.ToString(),
        });
        berth.SiloOverrides[1] = new Dictionary<string, string>
        {
            ["Silo__Agent__HostId"] = "e2",
            ["Silo__Agent__Endpoint"] = e2.Endpoint,
            ["Silo__Agent__Labels__zone"] = "edge",
        };
        await berth.StartAsync();
        using var e2Client = e2.CreateClient();

        var registered = await Eventually.Until(() => berth.Api.HostAsync("e2"), h => h?.State == "active", "the agent silo to register its host", TimeSpan.FromSeconds(90));
        Assert.Equal("agent", registered!.Kind);
        Assert.Equal("agent", registered.Source);

        // A pool pinned to the agent's host: its members run on e2's engine, none on the shared one.
        var workload = Workloads.NewId("agent");
        (await berth.Api.PutWorkloadYamlAsync(workload, $"""
            id: {workload}
            image: {DockerRequirement.WebTestImage}
            ports: [8080]
            pool:
              min_size: 2
              max_size: 4
            placement:
              labels:
                zone: edge
            """)).EnsureSuccessStatusCode();
        await berth.Api.WaitForIdleAsync(workload, 2);
        var holder = $"a-{workload}";
        var held = await berth.Api.ClaimOkAsync(holder, workload);
        Assert.Equal("e2", held.HostId);
        Assert.Contains(held.ContainerId!, await ContainersAsync(e2Client, berth.ClusterId, workload));
        Assert.Empty(await ContainersAsync(berth.Docker, berth.ClusterId, workload));
        // Clients need only the gateway: the proxy reaches e2's published port, and an exec goes through e2's agent.
        var page = await Eventually.Until(async () =>
        {
            using var response = await berth.Http.GetAsync($"/tenants/{holder}/ports/8080/");
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }, r => r.StatusCode == HttpStatusCode.OK, "the held container's page through the gateway");
        Assert.Contains("berth web test image", page.Item2);
        using (var exec = await berth.Http.PostAsync($"/tenants/{holder}/exec", new StringContent("""{"command":["cat","/www/index.html"]}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Contains("berth web test image", await exec.Content.ReadAsStringAsync());
        }

        // The agent dies; its engine does not. Nobody else may talk to that engine, so the host is down.
        var clock = Stopwatch.StartNew();
        berth.KillSilo(1);
        var down = await Eventually.Until(() => berth.Api.HostAsync("e2"), h => h?.State == "down", "e2 to be down once its agent is gone", TimeSpan.FromSeconds(90));
        var downAfter = clock.Elapsed;
        Assert.NotNull(down!.DownSince);
        var lost = await Eventually.Until(async () => (await berth.Api.StatusAsync(holder)).Claims.Single(), c => c.State == TenantClaimState.Lost, "the holder's claim to turn lost");
        Assert.Contains("host e2 down since", lost.Error);
        // Its engine is untouched: the held container still runs there.
        Assert.True((await e2Client.Containers.InspectContainerAsync(held.ContainerId)).State.Running);

        // The agent starts again: the same host comes back active, registered once, still an agent.
        clock.Restart();
        berth.StartSilo(1);
        await Eventually.Until(() => berth.Api.HostAsync("e2"), h => h?.State == "active", "e2 to be active again with its agent back", TimeSpan.FromSeconds(90));
        var back = clock.Elapsed;
        using (var list = await berth.Http.GetAsync("/hosts"))
        {
            var hosts = await BerthApi.ReadOkAsync<HostJson[]>(list);
            Assert.Equal(["e2", "local"], hosts.Select(h => h.Id).Order(StringComparer.Ordinal));
            Assert.Equal("agent", hosts.Single(h => h.Id == "e2").Kind);
        }

        // The new agent serves: a fresh tenant is placed on e2, and the holder's release ends its old container.
        var fresh = await berth.Api.ClaimOkAsync($"b-{workload}", workload);
        Assert.Equal("e2", fresh.HostId);
        Assert.NotEqual(held.ContainerId, fresh.ContainerId);
        await berth.Api.ReleaseOkAsync(holder, workload);
        await Eventually.Until(async () =>
        {
            var pool = await berth.Api.PoolAsync(workload);
            var members = pool.Members.Where(m => m.ContainerId is not null).Select(m => m.ContainerId!).ToHashSet();
            return (await ContainersAsync(e2Client, berth.ClusterId, workload)).SetEquals(members) && !members.Contains(held.ContainerId!);
        }, same => same, "e2 to run exactly the pool's members, the old holder's container gone");
        output.WriteLine($"e2 down {downAfter.TotalSeconds:0.0} s after its agent was killed (HostDownAfter {DownAfter.TotalSeconds} s); active {back.TotalSeconds:0.0} s after the agent started again");
    }
}
