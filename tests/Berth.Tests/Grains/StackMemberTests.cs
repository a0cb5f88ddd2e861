using Berth.Contracts;
using Berth.Grains;
using Berth.Runtime;
using Berth.Specs;
using Berth.Tests.Support;

namespace Berth.Tests.Grains;

/// <summary>
/// Stack members through the grains, on the in-memory engine: any container of a stack stands for
/// the whole of it (pause, stop, start, remove), and a stack missing a service never serves.
/// </summary>
[Collection(InMemoryClusterCollection.Name)]
public sealed class StackMemberTests(InMemoryClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;
    private InMemoryContainerRuntime Runtime => fixture.Runtime;

    private async Task<string> RegisterAsync(string prefix, int min)
    {
        var id = $"{prefix}-{Guid.NewGuid():N}"[..20];
        await _client.GetGrain<IWorkloadCatalogGrain>(0).Upsert(WorkloadSpecParser.ParseYaml($"""
            id: {id}
            services:
              app:
                image: {InMemoryClusterFixture.Image}
                ports: [8080]
                depends_on: [side]
              side:
                image: {InMemoryClusterFixture.Image}
                ports: [9000]
            pool:
              min_size: {min}
              max_size: 3
            """));
        return id;
    }

    private List<InMemoryContainerRuntime.FakeContainer> MemberContainers(string memberId) =>
        [.. Runtime.Containers.Where(c => c.Spec.Labels.GetValueOrDefault(BerthLabels.Member) == memberId)];

    [Fact]
    public async Task Pause_stop_and_start_act_on_every_service_and_release_removes_the_stack_and_its_network()
    {
        var workload = await RegisterAsync("stk", min: 1);
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var claim = await tenant.Claim(workload, null);
        var containers = MemberContainers(claim.MemberId!);
        Assert.Equal(2, containers.Count);
        // Started in dependency order: side first, under one network named for the member.
        Assert.Equal(["side", "app"], containers.OrderBy(c => c.Spec.Labels[BerthLabels.ServiceOrder]).Select(c => c.Spec.Labels[BerthLabels.Service]));
        var network = Assert.Single(containers.Select(c => c.Spec.NetworkMode).Distinct());
        Assert.Contains(network, Runtime.NetworkNames);
        Assert.Equal([8080, 9000], claim.Endpoints.Select(e => e.ContainerPort).Order());

        await tenant.Pause(workload);
        Assert.All(containers, c => Assert.Equal("paused", c.State));
        await tenant.Resume(workload);
        Assert.All(containers, c => Assert.Equal("running", c.State));
        await tenant.Stop(workload);
        Assert.All(containers, c => Assert.Equal("exited", c.State));
        var started = await tenant.Start(workload);
        Assert.All(containers, c => Assert.Equal("running", c.State));
        Assert.Equal(claim.ContainerId, started.ContainerId);
        Assert.Equal(2, started.Services!.Length);

        await tenant.Release(workload, null);
        Assert.Empty(MemberContainers(claim.MemberId!));
        Assert.DoesNotContain(network, Runtime.NetworkNames);
    }

    [Fact]
    public async Task An_idle_stack_that_loses_a_service_is_replaced_whole()
    {
        var workload = await RegisterAsync("stkdrift", min: 1);
        var pool = _client.GetGrain<IWorkloadPoolGrain>(workload);
        var idle = await Eventually.Until(() => pool.GetView(), p => p.Idle == 1, "the pool to fill");
        var member = idle.Members.Single(m => m.State == PoolMemberState.Idle).MemberId;
        var side = MemberContainers(member).Single(c => c.Spec.Labels[BerthLabels.Service] == "side");
        var network = side.Spec.NetworkMode;

        // Removed behind Berth's back: the member is broken even though its primary still runs.
        await Runtime.RemoveAsync(side.Id, CancellationToken.None);

        await Eventually.Until(() => Task.FromResult(MemberContainers(member).Count), n => n == 0, "the broken stack's other container to be removed");
        await Eventually.Until(() => pool.GetView(), p => p.Idle == 1 && p.Members.All(m => m.MemberId != member), "a fresh stack to replace it");
        Assert.DoesNotContain(network, Runtime.NetworkNames);
    }

    [Fact]
    public async Task A_stack_network_whose_member_has_no_container_is_removed_by_the_sweep_and_a_live_ones_is_kept()
    {
        var workload = await RegisterAsync("stknet", min: 1);
        var pool = _client.GetGrain<IWorkloadPoolGrain>(workload);
        var idle = await Eventually.Until(() => pool.GetView(), p => p.Idle == 1, "the pool to fill");
        var live = MemberContainers(idle.Members.Single(m => m.State == PoolMemberState.Idle).MemberId)[0].Spec.NetworkMode;
        // What a create that died between its network and its first container leaves behind.
        var orphan = $"berth-tenants-stack-orphan{Guid.NewGuid():N}"[..36];
        await Runtime.EnsureStackNetworkAsync(orphan, EgressPolicy.Default, System.Net.IPNetwork.Parse("10.213.0.0/16"), new Dictionary<string, string>
        {
            [BerthLabels.Managed] = "true",
            [BerthLabels.Cluster] = InMemorySilo.ClusterId,
            [BerthLabels.Host] = InMemorySilo.HostId,
            [BerthLabels.Member] = "gone-member",
        }, CancellationToken.None);
        Assert.Contains(orphan, Runtime.NetworkNames);

        await Eventually.Until(() => Task.FromResult(Runtime.NetworkNames), names => !names.Contains(orphan), "the sweep to remove the orphaned stack network");
        Assert.Contains(live, Runtime.NetworkNames);
    }
}
