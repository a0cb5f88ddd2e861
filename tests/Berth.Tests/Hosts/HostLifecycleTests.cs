using System.Text;
using Berth.Configuration;
using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;
using Berth.Runtime;
using Berth.Specs;
using Berth.Tests.Support;

namespace Berth.Tests.Hosts;

/// <summary>
/// Hosts that go down, come back, are cordoned and drained, with in-memory engines (one per host)
/// and Berth's clock moved on by the test. Real engines, one of them killed, are in
/// Integration/HostFailureTests.
/// </summary>
public sealed class HostLifecycleTests
{
    private static readonly TimeSpan DownAfter = TimeSpan.FromSeconds(3);

    private static Task<FailoverCluster> StartAsync(params DockerHostOptions[] extra) => StartAsync(null, extra);

    private static Task<FailoverCluster> StartAsync(Action<BerthOptions>? configure, params DockerHostOptions[] extra) => FailoverCluster.StartAsync(silos: 1, o =>
    {
        o.HostDownAfter = DownAfter;
        o.Hosts = [.. o.Hosts, .. extra];
        configure?.Invoke(o);
    });

    private static DockerHostOptions Host(string id, Dictionary<string, string>? labels = null) =>
        new() { Id = id, Endpoint = "memory://", Labels = labels ?? new() };

    private static async Task<string> RegisterAsync(FailoverCluster berth, string prefix, int min, int max, string extra = "")
    {
        var id = $"{prefix}-{Guid.NewGuid():N}"[..20];
        await berth.Client.GetGrain<IWorkloadCatalogGrain>(0).Upsert(WorkloadSpecParser.ParseYaml(
            $"id: {id}\nimage: {FailoverCluster.Image}\nvolumes:\n  state:\n    target: /data\npool:\n  min_size: {min}\n  max_size: {max}\n{extra}"));
        return id;
    }

    private static IHostRegistryGrain Registry(FailoverCluster berth) => berth.Client.GetGrain<IHostRegistryGrain>(0);

    private static Task<PoolView> Pool(FailoverCluster berth, string workload) => berth.Client.GetGrain<IWorkloadPoolGrain>(workload).GetView();

    private static async Task<HostEntry> HostAsync(FailoverCluster berth, string hostId) => (await Registry(berth).Get(hostId))!;

    private static InMemoryContainerRuntime.FakeContainer Container(InMemoryContainerRuntime engine, string id) => engine.Containers.Single(c => c.Id == id);

    private static IEnumerable<InMemoryContainerRuntime.FakeContainer> Of(InMemoryContainerRuntime engine, string workload) =>
        engine.Containers.Where(c => c.Spec.Labels.GetValueOrDefault(BerthLabels.Workload) == workload);

    /// <summary>Like Eventually.Until, moving Berth's clock on a second per try (for back-offs and grace periods).</summary>
    private static async Task<T> UntilAdvancing<T>(FailoverCluster berth, Func<Task<T>> probe, Func<T, bool> condition, string what)
    {
        for (var i = 0; i < 60; i++)
        {
            var value = await probe();
            if (condition(value)) return value;
            await berth.AdvanceAsync(TimeSpan.FromSeconds(1), steps: 1);
        }
        throw new TimeoutException($"gave up waiting for {what}");
    }

    [Fact]
    public async Task Configured_hosts_register_themselves_and_the_registry_lists_them_active_with_their_labels()
    {
        await using var berth = await StartAsync(Host("mem2", new() { ["zone"] = "b" }));
        var hosts = await Eventually.Until(() => Registry(berth).List(), h => h.Length == 2 && h.All(e => e.LastHeartbeat is not null), "both hosts to register and heartbeat");
        Assert.All(hosts, h => Assert.Equal(HostState.Active, h.State));
        Assert.Equal("b", hosts.Single(h => h.HostId == "mem2").Registration.Labels["zone"]);
        Assert.Equal("configuration", hosts[0].Registration.Source);
    }

    [Fact]
    public async Task A_dead_host_lets_its_tenants_go_they_move_to_a_live_host_with_the_last_snapshot_and_its_containers_are_saved_and_removed_when_it_returns()
    {
        await using var berth = await StartAsync(Host("mem2"));
        var mem2 = berth.Engine("mem2");
        await Eventually.Until(() => Registry(berth).List(), h => h.Length == 2, "both hosts to register");
        // Everything of this tenant lands on mem2 first: mem takes no new members meanwhile.
        await Registry(berth).Cordon(InMemorySilo.HostId);
        var workload = await RegisterAsync(berth, "hostdown", min: 1, max: 6);
        var tenant = berth.Client.GetGrain<ITenantGrain>($"t-{workload}");
        var first = await tenant.Claim(workload, null);
        Assert.Equal("mem2", first.HostId);
        Container(mem2, first.ContainerId!).Files["/data/notes.txt"] = Encoding.UTF8.GetBytes("v1");
        await tenant.Release(workload, null);
        var second = await tenant.Claim(workload, null);
        Assert.Equal("mem2", second.HostId);
        Container(mem2, second.ContainerId!).Files["/data/notes.txt"] = Encoding.UTF8.GetBytes("v2, never saved");
        await Registry(berth).Uncordon(InMemorySilo.HostId);
        await Eventually.Until(() => Pool(berth, workload), p => p.Idle >= 1, "an idle member");

        mem2.Unreachable = true;
        await berth.AdvanceAsync(DownAfter + TimeSpan.FromSeconds(2), steps: 5);
        var down = await Eventually.Until(() => HostAsync(berth, "mem2"), h => h.State == HostState.Down, "mem2 to be down");
        Assert.NotNull(down.DownSince);
        Assert.Equal(HostState.Active, (await HostAsync(berth, InMemorySilo.HostId)).State);
        var lost = await Eventually.Until(async () => (await tenant.GetStatus()).Claims.Single(), c => c.State == TenantClaimState.Lost, "the tenant to turn lost");
        Assert.Contains("host mem2 down since", lost.Error);
        // Nothing of mem2 counts now: the pool refills on mem.
        var pool = await Eventually.Until(() => Pool(berth, workload), p => p.Members.All(m => m.HostId != "mem2" || m.State == PoolMemberState.Lost) && p.Idle >= 1, "the pool to let go of mem2");
        Assert.Equal(0, pool.Claimed);

        // The claim does not wait for the dead host: it lands on mem with v1 and says why not v2.
        var moved = await tenant.Claim(workload, null);
        Assert.Equal(InMemorySilo.HostId, moved.HostId);
        Assert.Equal("v1", Encoding.UTF8.GetString(Container(berth.Runtime, moved.ContainerId!).Files["/data/notes.txt"]));
        Assert.Contains("host mem2 is down since", moved.RestoredFrom!.Note);
        Assert.NotNull(moved.RestoredFrom.SnapshotId);

        // mem2 comes back: the container the tenant moved on from is saved as a recovered snapshot, then
        // removed; its idle leftovers go as orphans once their grace period passes on Berth's clock.
        mem2.Unreachable = false;
        await Eventually.Until(() => HostAsync(berth, "mem2"), h => h.State == HostState.Active, "mem2 to be active again");
        var status = await Eventually.Until(() => tenant.GetStatus(), s => s.Recovered is { Length: 1 }, "a recovered snapshot");
        var recovered = status.Recovered![0];
        Assert.Equal(second.ContainerId, recovered.ContainerId);
        Assert.Equal("mem2", recovered.HostId);
        Assert.True(recovered.ExpiresAt > recovered.SavedAt);
        await UntilAdvancing(berth, () => Task.FromResult(Of(mem2, workload).Count()), n => n == 0, "mem2's leftovers to be removed");
        // The tenant still holds the one container it moved to, and nothing was handed out twice.
        var claim = Assert.Single((await tenant.GetStatus()).Claims);
        Assert.Equal(TenantClaimState.Claimed, claim.State);
        Assert.Equal(moved.ContainerId, claim.ContainerId);
        Assert.Contains(berth.Runtime.Containers, c => c.Id == moved.ContainerId);
    }

    [Fact]
    public async Task A_pool_activated_after_its_host_stopped_answering_learns_the_claims_there_from_the_hosts_inventory_and_turns_them_lost()
    {
        await using var berth = await StartAsync(Host("mem2"));
        var mem2 = berth.Engine("mem2");
        await Eventually.Until(() => Registry(berth).List(), h => h.Length == 2, "both hosts to register");
        await Registry(berth).Cordon(InMemorySilo.HostId);
        var workload = await RegisterAsync(berth, "inventory", min: 1, max: 4);
        var tenant = berth.Client.GetGrain<ITenantGrain>($"t-{workload}");
        var claim = await tenant.Claim(workload, null);
        Assert.Equal("mem2", claim.HostId);
        var inventory = berth.Client.GetGrain<IHostInventoryGrain>("mem2");
        await Eventually.Until(() => inventory.MembersOf(workload), m => m.Any(e => e.ContainerId == claim.ContainerId), "mem2's inventory to list the claimed container");

        // The host stops answering, and the pool's activation (with the claims it knew in memory) goes
        // too, as when its grain directory partition was on a silo that died with the host's agent.
        mem2.Unreachable = true;
        await berth.DeactivateAsync(berth.Client.GetGrain<IWorkloadPoolGrain>(workload));
        await Pool(berth, workload); // a fresh activation, knowing no claim
        await berth.AdvanceAsync(DownAfter + TimeSpan.FromSeconds(2), steps: 5);
        await Eventually.Until(() => HostAsync(berth, "mem2"), h => h.State == HostState.Down, "mem2 to be down");
        var lost = await Eventually.Until(async () => (await tenant.GetStatus()).Claims.Single(), c => c.State == TenantClaimState.Lost, "the tenant to turn lost though the pool never saw its claim");
        Assert.Contains("host mem2 down since", lost.Error);
    }

    [Fact]
    public async Task A_tenant_that_did_not_move_on_before_its_host_returned_gets_its_newest_state_saved_on_its_next_claim()
    {
        await using var berth = await StartAsync(Host("mem2"));
        var mem2 = berth.Engine("mem2");
        await Eventually.Until(() => Registry(berth).List(), h => h.Length == 2, "both hosts to register");
        await Registry(berth).Cordon(InMemorySilo.HostId);
        var workload = await RegisterAsync(berth, "hostback", min: 1, max: 6);
        var tenant = berth.Client.GetGrain<ITenantGrain>($"t-{workload}");
        var first = await tenant.Claim(workload, null);
        Container(mem2, first.ContainerId!).Files["/data/notes.txt"] = Encoding.UTF8.GetBytes("newest");
        await Registry(berth).Uncordon(InMemorySilo.HostId);

        mem2.Unreachable = true;
        await berth.AdvanceAsync(DownAfter + TimeSpan.FromSeconds(2), steps: 5);
        await Eventually.Until(async () => (await tenant.GetStatus()).Claims.Single(), c => c.State == TenantClaimState.Lost, "the tenant to turn lost");
        mem2.Unreachable = false;
        await Eventually.Until(() => HostAsync(berth, "mem2"), h => h.State == HostState.Active, "mem2 to be active again");

        var again = await tenant.Claim(workload, null);
        Assert.Null(again.RestoredFrom?.Note);
        var engine = again.HostId == "mem2" ? mem2 : berth.Runtime;
        Assert.Equal("newest", Encoding.UTF8.GetString(Container(engine, again.ContainerId!).Files["/data/notes.txt"]));
    }

    [Fact]
    public async Task Cordoned_hosts_take_no_new_members_but_their_idle_ones_still_serve_and_uncordon_undoes_it()
    {
        await using var berth = await StartAsync(Host("mem2"));
        await Eventually.Until(() => Registry(berth).List(), h => h.Length == 2, "both hosts to register");
        var workload = await RegisterAsync(berth, "cordon", min: 4, max: 10);
        await Eventually.Until(() => Pool(berth, workload), p => p.Idle == 4, "the pool to fill");
        var onMem = (await Pool(berth, workload)).Members.Count(m => m.HostId == InMemorySilo.HostId);
        await Registry(berth).Cordon(InMemorySilo.HostId);
        await berth.AdvanceAsync(TimeSpan.FromSeconds(1), steps: 2); // a pool tick to learn it

        var claims = new List<TenantClaimView>();
        for (var i = 0; i < 6; i++) claims.Add(await berth.Client.GetGrain<ITenantGrain>($"c{i}-{workload}").Claim(workload, null));
        // The idle members already on mem were handed out; every member made since is on mem2.
        Assert.True(onMem == 0 || claims.Any(c => c.HostId == InMemorySilo.HostId), "idle members of the cordoned host still serve");
        var pool = await Eventually.Until(() => Pool(berth, workload), p => p.Idle == 4, "the pool to refill");
        Assert.All(pool.Members.Where(m => m.State is PoolMemberState.Idle or PoolMemberState.Creating), m => Assert.Equal("mem2", m.HostId));
        Assert.Equal(HostState.Active, (await Registry(berth).Uncordon(InMemorySilo.HostId)).State);
    }

    [Fact]
    public async Task Draining_removes_idle_members_keeps_claims_until_released_and_with_evict_moves_tenants_with_their_state()
    {
        await using var berth = await StartAsync(Host("mem2"));
        var mem2 = berth.Engine("mem2");
        await Eventually.Until(() => Registry(berth).List(), h => h.Length == 2, "both hosts to register");
        await Registry(berth).Cordon(InMemorySilo.HostId);
        var workload = await RegisterAsync(berth, "drain", min: 2, max: 8);
        await Eventually.Until(() => Pool(berth, workload), p => p.Idle == 2, "the pool to fill on mem2");
        var stays = berth.Client.GetGrain<ITenantGrain>($"stays-{workload}");
        var held = await stays.Claim(workload, null);
        Assert.Equal("mem2", held.HostId);
        Container(mem2, held.ContainerId!).Files["/data/notes.txt"] = Encoding.UTF8.GetBytes("moved with me");
        await Registry(berth).Uncordon(InMemorySilo.HostId);

        var draining = await Registry(berth).Drain("mem2", evict: false);
        Assert.Equal(HostState.Draining, draining.State);
        Assert.NotNull(draining.Drain);
        // Idle members leave mem2; the claimed container stays, and new members come on mem.
        await Eventually.Until(() => Task.FromResult(Of(mem2, workload).Select(c => c.Id).ToList()), ids => ids.SequenceEqual([held.ContainerId!]), "only the claimed container to stay on mem2");
        var pool = await Eventually.Until(() => Pool(berth, workload), p => p.Idle == 2, "the pool to refill on mem");
        Assert.All(pool.Members.Where(m => m.State == PoolMemberState.Idle), m => Assert.Equal(InMemorySilo.HostId, m.HostId));
        var progress = await Eventually.Until(() => HostAsync(berth, "mem2"), h => h.Drain!.Remaining == 1, "the drain to count one container left");
        Assert.Null(progress.Drain!.CompletedAt);
        Assert.Equal(TenantClaimState.Claimed, (await stays.GetStatus()).Claims.Single().State);

        // With evict the tenant is saved and moved: its new container is on mem, with its files.
        await Registry(berth).Drain("mem2", evict: true);
        var moved = await Eventually.Until(async () => (await stays.GetStatus()).Claims.Single(), c => c.State == TenantClaimState.Claimed && c.HostId == InMemorySilo.HostId, "the tenant to move to mem");
        Assert.Equal("moved with me", Encoding.UTF8.GetString(Container(berth.Runtime, moved.ContainerId!).Files["/data/notes.txt"]));
        var done = await Eventually.Until(() => HostAsync(berth, "mem2"), h => h.Drain!.CompletedAt is not null, "the drain to complete");
        Assert.Equal(0, done.Drain!.Remaining);
        Assert.Empty(Of(mem2, workload));
        Assert.Equal(HostState.Removed, (await Registry(berth).Remove("mem2", force: false)).State);
    }

    [Fact]
    public async Task Placement_labels_choose_the_host_and_pools_without_them_spread_over_all_hosts()
    {
        await using var berth = await StartAsync(Host("mem2", new() { ["zone"] = "b" }), Host("mem3", new() { ["zone"] = "c" }));
        await Eventually.Until(() => Registry(berth).List(), h => h.Length == 3, "three hosts to register");
        var pinned = await RegisterAsync(berth, "zoneb", min: 3, max: 6, "placement:\n  labels:\n    zone: b\n");
        var pool = await Eventually.Until(() => Pool(berth, pinned), p => p.Idle == 3, "the pinned pool to fill");
        Assert.All(pool.Members, m => Assert.Equal("mem2", m.HostId));

        var nowhere = await RegisterAsync(berth, "zonez", min: 0, max: 2, "placement:\n  labels:\n    zone: z\n");
        var refused = await Assert.ThrowsAsync<BerthException>(() => berth.Client.GetGrain<ITenantGrain>($"t-{nowhere}").Claim(nowhere, null));
        Assert.Equal(BerthErrorKind.Unavailable, refused.Kind);
        Assert.Contains("lacks placement.labels zone=z", refused.Message);

        // Twelve one-member pools: the ties between equally loaded hosts break at random.
        var workloads = new List<string>();
        for (var i = 0; i < 12; i++) workloads.Add(await RegisterAsync(berth, $"spread{i}", min: 1, max: 2));
        var hosts = new List<string>();
        foreach (var workload in workloads)
        {
            hosts.Add((await Eventually.Until(() => Pool(berth, workload), p => p.Idle == 1, "a one-member pool to fill")).Members.Single().HostId);
        }
        Assert.True(hosts.Distinct().Count() >= 2, $"twelve one-member pools all landed on {hosts[0]}");
    }

    [Fact]
    public async Task A_host_whose_creates_fail_takes_no_new_members_while_its_healthy_idle_ones_still_serve()
    {
        // Unhealthy stays unhealthy while the test moves Berth's clock on for the pools' back-off.
        await using var berth = await StartAsync(o => o.HostUnhealthyCooldown = TimeSpan.FromHours(1), Host("mem2"));
        var mem2 = berth.Engine("mem2");
        await Eventually.Until(() => Registry(berth).List(), h => h.Length == 2, "both hosts to register");
        await Registry(berth).Cordon(InMemorySilo.HostId);
        var workload = await RegisterAsync(berth, "sick", min: 2, max: 8);
        await Eventually.Until(() => Pool(berth, workload), p => p.Idle == 2, "the pool to fill on mem2");
        await Registry(berth).Uncordon(InMemorySilo.HostId);

        mem2.FailCreatesWith = "simulated create timeout";
        await Registry(berth).Cordon(InMemorySilo.HostId);
        var other = await RegisterAsync(berth, "sicker", min: 4, max: 8);
        // Creates on mem2 fail until the host counts as unhealthy.
        await Eventually.Until(() => HostAsync(berth, "mem2"), h => h.Problem is not null, "mem2 to count as unhealthy for creates", TimeSpan.FromSeconds(30));
        await Registry(berth).Uncordon(InMemorySilo.HostId);
        // Its idle members of the first workload are still handed out, warm, and not replaced.
        var a = await berth.Client.GetGrain<ITenantGrain>($"a-{workload}").Claim(workload, null);
        Assert.Equal("mem2", a.HostId);
        Assert.Equal(ClaimSource.Warm, a.Source);
        Assert.Contains((await Pool(berth, workload)).Members, m => m.HostId == "mem2" && m.State == PoolMemberState.Idle);
        // New members come on mem, once the pool's back-off after the failures passes on Berth's clock.
        var refilled = await UntilAdvancing(berth, () => Pool(berth, other), p => p.Idle == 4, "the other pool to fill on mem");
        Assert.All(refilled.Members, m => Assert.Equal(InMemorySilo.HostId, m.HostId));
        mem2.FailCreatesWith = null;
    }
}
