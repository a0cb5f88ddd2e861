using Berth.Configuration;
using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;
using Berth.Specs;
using Berth.Tests.Support;
using Orleans.Runtime;

namespace Berth.Tests.Operations;

/// <summary>
/// Operations over in-process silos and in-memory engines: a drain followed to its end across the
/// loss of the operation's silo, cancels that undo what they changed, and a provision's per-tenant errors.
/// </summary>
public sealed class OperationGrainTests
{
    private static IHostRegistryGrain Registry(FailoverCluster berth) => berth.Client.GetGrain<IHostRegistryGrain>(0);

    private static IOperationGrain Operation(FailoverCluster berth, string id) => berth.Client.GetGrain<IOperationGrain>(id);

    private static Task<PoolView> Pool(FailoverCluster berth, string workload) => berth.Client.GetGrain<IWorkloadPoolGrain>(workload).GetView();

    private static Task<FailoverCluster> StartAsync(int silos) => FailoverCluster.StartAsync(silos, o =>
        o.Hosts = [.. o.Hosts, new DockerHostOptions { Id = "mem2", Endpoint = "memory://" }]);

    private static async Task<string> RegisterAsync(FailoverCluster berth, string prefix, int min, int max, string extra = "")
    {
        var id = $"{prefix}-{Guid.NewGuid():N}"[..20];
        await berth.Client.GetGrain<IWorkloadCatalogGrain>(0).Upsert(WorkloadSpecParser.ParseYaml(
            $"id: {id}\nimage: {FailoverCluster.Image}\npool:\n  min_size: {min}\n  max_size: {max}\n{extra}"));
        return id;
    }

    private static OperationPlan Plan(OperationKind kind, string target) =>
        new() { Id = OperationIds.New(DateTimeOffset.UtcNow), Kind = kind, Target = target, StartedBy = "test" };

    /// <summary>A tenant holding a container on mem2, so that a drain of mem2 waits for it.</summary>
    private static async Task<(string Workload, ITenantGrain Tenant)> HoldOnMem2Async(FailoverCluster berth)
    {
        await Eventually.Until(() => Registry(berth).List(), h => h.Length == 2, "both hosts to register");
        await Registry(berth).Cordon(InMemorySilo.HostId);
        var workload = await RegisterAsync(berth, "opdrain", min: 1, max: 4);
        await Eventually.Until(() => Pool(berth, workload), p => p.Idle == 1, "the pool to fill on mem2");
        var tenant = berth.Client.GetGrain<ITenantGrain>($"held-{workload}");
        Assert.Equal("mem2", (await tenant.Claim(workload, null)).HostId);
        await Registry(berth).Uncordon(InMemorySilo.HostId);
        // A drain counts what the host's last sweep reported: wait until that includes the held container.
        await Eventually.Until(() => Registry(berth).Get("mem2"), h => h!.Containers >= 1, "mem2's sweep to count the held container");
        return (workload, tenant);
    }

    private static async Task<OperationRecord> StartDrainAsync(FailoverCluster berth)
    {
        var plan = Plan(OperationKind.Drain, "mem2");
        var entry = await Registry(berth).Drain("mem2", evict: false, plan.Id);
        Assert.Equal(plan.Id, entry.Drain!.OperationId);
        var started = await Operation(berth, plan.Id).Start(plan);
        Assert.Equal(OperationState.Running, started.State);
        return await Eventually.Until(() => Operation(berth, plan.Id).Get(), o => o!.Total >= 1 && o.Done < o.Total, "the drain to count the held container").ContinueWith(t => t.Result!);
    }

    [Fact]
    public async Task A_drain_operation_keeps_going_after_its_silo_is_killed_and_succeeds_when_the_host_is_empty()
    {
        await using var berth = await StartAsync(silos: 3);
        var (_, tenant) = await HoldOnMem2Async(berth);
        var running = await StartDrainAsync(berth);
        Assert.Contains("containers gone from host mem2", running.Message);
        // A second drain names the same operation.
        Assert.Equal(running.Id, (await Registry(berth).Drain("mem2", evict: false, "op-other")).Drain!.OperationId);

        var killed = await berth.KillSiloOfAsync(Operation(berth, running.Id));
        await Eventually.Until(() => berth.StatusOfAsync(killed), s => s == SiloStatus.Dead, "membership to declare the killed silo dead");
        await Eventually.Until(async () =>
        {
            try
            {
                await tenant.Release(null, null);
                return true;
            }
            catch (Exception ex) when (ex is not BerthException)
            {
                return false; // caught on the killed silo; the next try reaches a live one
            }
        }, released => released, "the tenant to release");

        var done = await Eventually.Until(() => Operation(berth, running.Id).Get(), o => o!.Finished, "the drain to finish");
        Assert.Equal(OperationState.Succeeded, done!.State);
        Assert.Equal(done.Total, done.Done);
        Assert.NotNull(done.CompletedAt);
        Assert.True(done.Version > running.Version);
        Assert.Contains(running.Id, await berth.Client.GetGrain<IOperationIndexGrain>(0).List(new OperationFilter(false, OperationKind.Drain, "mem2", 10)));
        var ex = await Assert.ThrowsAsync<BerthException>(() => Operation(berth, running.Id).Cancel());
        Assert.Equal(BerthErrorKind.Conflict, ex.Kind);
    }

    [Fact]
    public async Task Cancels_undo_what_the_operation_changed_and_a_provision_reports_each_failed_tenant()
    {
        await using var berth = await StartAsync(silos: 1);
        var (workload, _) = await HoldOnMem2Async(berth);

        // Drain cancelled: the host stays cordoned.
        var drain = await StartDrainAsync(berth);
        var cancelling = await Operation(berth, drain.Id).Cancel();
        Assert.True(cancelling.State is OperationState.Cancelling or OperationState.Cancelled);
        var cancelled = await Eventually.Until(() => Operation(berth, drain.Id).Get(), o => o!.Finished, "the drain's cancel");
        Assert.Equal(OperationState.Cancelled, cancelled!.State);
        Assert.Equal(HostState.Cordoned, (await Registry(berth).Get("mem2"))!.State);
        Assert.Null((await Registry(berth).Get("mem2"))!.Drain);
        await Registry(berth).Uncordon("mem2");

        // Resize toward a minimum the pool cannot reach (one of four held), cancelled: the previous sizes come back.
        var catalog = berth.Client.GetGrain<IWorkloadCatalogGrain>(0);
        var before = (await catalog.Get(workload))!.Spec;
        await catalog.Upsert(before with { Pool = before.Pool with { MinSize = 4, MaxSize = 4 } });
        var resize = Plan(OperationKind.Resize, workload) with { MinSize = 4, MaxSize = 4, PreviousSpec = before };
        await Operation(berth, resize.Id).Start(resize);
        var climbing = await Eventually.Until(() => Operation(berth, resize.Id).Get(), o => o!.Done == 3, "three idle members");
        Assert.Equal((OperationState.Running, 4), (climbing!.State, climbing.Total));
        await Operation(berth, resize.Id).Cancel();
        Assert.Equal(OperationState.Cancelled, (await Eventually.Until(() => Operation(berth, resize.Id).Get(), o => o!.Finished, "the resize's cancel"))!.State);
        Assert.Equal((1, 4), ((await catalog.Get(workload))!.Spec.Pool.MinSize, (await catalog.Get(workload))!.Spec.Pool.MaxSize));

        // Rollout to a changed spec, cancelled after it finished: 409. Its message names the claimed container left on the older spec.
        var changed = (await catalog.Upsert(before with { Environment = new Dictionary<string, string> { ["ROLL"] = "1" } })).Record;
        var rollout = Plan(OperationKind.Rollout, workload) with { Version = changed.Version, PreviousSpec = before };
        await Operation(berth, rollout.Id).Start(rollout);
        var rolled = await Eventually.Until(() => Operation(berth, rollout.Id).Get(), o => o!.Finished, "the rollout");
        Assert.Equal(OperationState.Succeeded, rolled!.State);
        Assert.Contains("1 claimed containers stay on the older spec", rolled.Message);
        Assert.All((await Pool(berth, workload)).Members.Where(m => m.TenantId is null), m => Assert.Equal(changed.Version, m.SpecVersion));

        // Provision on a full pool without a line: the claims that fit succeed, the others are errors.
        var small = await RegisterAsync(berth, "opprov", min: 0, max: 2, "  claim_wait: 0s\n");
        var provision = Plan(OperationKind.Provision, small) with { Tenants = [$"p1-{small}", $"p2-{small}", $"p3-{small}"] };
        await Operation(berth, provision.Id).Start(provision);
        var provisioned = await Eventually.Until(() => Operation(berth, provision.Id).Get(), o => o!.Finished, "the provision");
        Assert.Equal(OperationState.Succeeded, provisioned!.State);
        Assert.Equal((3, 3), (provisioned.Done, provisioned.Total));
        var error = Assert.Single(provisioned.Errors);
        Assert.StartsWith("p", error.Item);
        Assert.Equal("2 of 3 tenants claimed, 1 failed", provisioned.Message);
    }
}
