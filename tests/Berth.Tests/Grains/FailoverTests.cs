using System.Collections.Concurrent;
using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;
using Berth.Runtime;
using Berth.Specs;
using Berth.Tests.Support;
using Orleans.Runtime;
using Xunit.Abstractions;

namespace Berth.Tests.Grains;

/// <summary>
/// Failover without Docker: three in-process silos over one in-memory engine and one storage that
/// outlives them, the silo's own service registration, and Berth's clock moved on by the test, so
/// a killed silo, an unconfirmed reservation and a claim's deadline are shown in seconds. The
/// Docker suite keeps what only Docker shows (DurabilityTests).
/// </summary>
public sealed class FailoverTests(ITestOutputHelper output)
{
    private static async Task<string> RegisterAsync(FailoverCluster berth, string prefix, int min, int max, string extra = "")
    {
        var id = $"{prefix}-{Guid.NewGuid():N}"[..20];
        await berth.Client.GetGrain<IWorkloadCatalogGrain>(0).Upsert(WorkloadSpecParser.ParseYaml(
            $"id: {id}\nimage: {FailoverCluster.Image}\npool:\n  min_size: {min}\n  max_size: {max}\n{extra}"));
        return id;
    }

    private static Task<PoolView> Pool(FailoverCluster berth, string workload) => berth.Client.GetGrain<IWorkloadPoolGrain>(workload).GetView();

    private static HashSet<string> Running(FailoverCluster berth, string workload) =>
        berth.Runtime.Containers.Where(c => c.Spec.Labels.GetValueOrDefault(BerthLabels.Workload) == workload).Select(c => c.Id).ToHashSet();

    [Fact]
    public async Task Killing_the_pools_silo_in_a_claim_and_release_storm_hands_no_container_twice_and_leaks_none()
    {
        await using var berth = await FailoverCluster.StartAsync(silos: 3);
        var workload = await RegisterAsync(berth, "storm", min: 4, max: 80);
        await Eventually.Until(() => Pool(berth, workload), p => p.Idle == 4, "the pool to fill");
        var pool = berth.Client.GetGrain<IWorkloadPoolGrain>(workload);

        var granted = new ConcurrentBag<(string Tenant, string ContainerId)>();
        var interrupted = 0;
        const int Rounds = 10;
        var tenants = Enumerable.Range(0, 16).Select(i => $"f{i:00}-{workload}").ToArray();
        async Task TenantLoop(string tenantId)
        {
            var tenant = berth.Client.GetGrain<ITenantGrain>(tenantId);
            for (var round = 0; round < Rounds; round++)
            {
                try
                {
                    var claim = await tenant.Claim(workload, null);
                    granted.Add((tenantId, claim.ContainerId!));
                    await Task.Delay(Random.Shared.Next(50, 200));
                    if (round < Rounds - 1) await tenant.Release(workload, null);
                }
                catch (BerthException ex) when (ex.Kind is BerthErrorKind.Unavailable or BerthErrorKind.Conflict)
                {
                    Interlocked.Increment(ref interrupted); // a refusal to retry, as a client would
                }
                catch (Exception ex) when (ex is not BerthException)
                {
                    Interlocked.Increment(ref interrupted); // the call was caught on the killed silo
                }
            }
        }

        var storm = Task.WhenAll(tenants.Select(TenantLoop));
        await Task.Delay(TimeSpan.FromMilliseconds(400));
        var killed = await berth.KillSiloOfAsync(pool);
        var stormRunning = !storm.IsCompleted;
        await storm;
        Assert.True(stormRunning, "the silo should die while claims and releases are in flight");
        await Eventually.Until(() => berth.StatusOfAsync(killed), s => s == SiloStatus.Dead, "membership to declare the killed silo dead");
        output.WriteLine($"killed {killed} (the pool's); {granted.Count} claims granted, {interrupted} calls refused or cut off");

        // What the callers saw: no container was ever granted to two tenants.
        var owners = granted.GroupBy(g => g.ContainerId).Where(g => g.Select(x => x.Tenant).Distinct().Count() > 1).Select(g => g.Key).ToList();
        Assert.Empty(owners);
        Assert.NotEmpty(granted);

        // Interrupted claims and releases finish without anyone waiting for their deadlines in real time.
        await berth.AdvanceAsync(TimeSpan.FromMinutes(3));

        var held = new Dictionary<string, string>();
        foreach (var tenantId in tenants)
        {
            var status = await Eventually.Until(() => berth.Client.GetGrain<ITenantGrain>(tenantId).GetStatus(),
                s => s.Claims.All(c => c.State is TenantClaimState.Claimed or TenantClaimState.Released or TenantClaimState.Failed),
                $"{tenantId} to settle");
            var claim = Assert.Single(status.Claims);
            if (claim.State != TenantClaimState.Claimed) continue;
            Assert.Contains(berth.Runtime.Containers, c => c.Id == claim.ContainerId && c.State == "running");
            Assert.True(held.TryAdd(claim.ContainerId!, tenantId), $"{claim.ContainerId} is held twice");
        }

        // The pool and the engine converge: every container is the pool's, each held one its tenant's.
        var view = await Eventually.Until(async () =>
        {
            await berth.AdvanceAsync(TimeSpan.FromSeconds(10), steps: 1);
            return await Pool(berth, workload);
        }, p => p.Creating == 0 && p.Destroying == 0 && p.Claimed == held.Count
            && p.Members.Select(m => m.ContainerId ?? "").ToHashSet().SetEquals(Running(berth, workload)), "the pool and the engine to agree");
        Assert.All(held, h => Assert.Equal(h.Value, view.Members.Single(m => m.ContainerId == h.Key).TenantId));
        Assert.True(berth.Store.Writes > 0);
    }

    [Fact]
    public async Task A_reservation_its_tenant_never_records_is_given_up_after_the_audit_interval_without_waiting_it_out()
    {
        // A minute between audits, as in production: only the clock makes it pass.
        await using var berth = await FailoverCluster.StartAsync(silos: 2, o => o.ClaimAuditInterval = TimeSpan.FromMinutes(1));
        var workload = await RegisterAsync(berth, "audit", min: 1, max: 3);
        await Eventually.Until(() => Pool(berth, workload), p => p.Idle == 1, "the pool to fill");

        // The pool hands a member to a tenant whose grain never hears of it (as if its silo died).
        var ticket = await berth.Client.GetGrain<IWorkloadPoolGrain>(workload).Claim($"ghost-{workload}");
        var containerId = Assert.IsType<RunningContainer>(ticket.Container).ContainerId;
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Contains(containerId, Running(berth, workload)); // nothing happens in real time

        await berth.AdvanceAsync(TimeSpan.FromMinutes(2));
        await Eventually.Until(() => Pool(berth, workload), p => p.Members.All(m => m.MemberId != ticket.MemberId) && p.Idle == 1,
            "the unrecorded member to be given up and its slot refilled");
        await Eventually.Until(() => !Running(berth, workload).Contains(containerId), "its container to be removed");
    }

    [Fact]
    public async Task A_claim_in_line_gives_up_at_its_deadline_on_berths_clock_and_a_stuck_create_is_given_up_too()
    {
        await using var berth = await FailoverCluster.StartAsync(silos: 2);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        berth.Runtime.CreateGate = gate; // every create hangs: the member "being made" never comes
        try
        {
            var workload = await RegisterAsync(berth, "wait", min: 1, max: 1, "  claim_wait: 10m\n");
            var stuck = (await Eventually.Until(() => Pool(berth, workload), p => p.Creating == 1, "a member to be on its way"))
                .Members.Single().MemberId;
            var claim = berth.Client.GetGrain<ITenantGrain>($"waiter-{workload}").Claim(workload, null);
            await Task.Delay(TimeSpan.FromSeconds(1.5));
            Assert.False(claim.IsCompleted, "the claim waits in line for the member being made");

            await berth.AdvanceAsync(TimeSpan.FromMinutes(11));
            var refused = await Assert.ThrowsAsync<BerthException>(() => claim);
            Assert.Equal(BerthErrorKind.Unavailable, refused.Kind);
            Assert.Contains("pool.claim_wait", refused.Message);

            // The create that never finished is past its deadline too: given up, and another one asked for.
            await Eventually.Until(async () =>
            {
                await berth.AdvanceAsync(TimeSpan.FromSeconds(40), steps: 1);
                return await Pool(berth, workload);
            }, p => p.Members.All(m => m.MemberId != stuck || m.State != PoolMemberState.Creating) && p.Creating == 1,
                "the stuck create to be given up and replaced");
        }
        finally
        {
            gate.TrySetResult();
        }
    }
}
