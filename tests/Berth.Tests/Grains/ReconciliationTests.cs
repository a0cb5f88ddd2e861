using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;
using Berth.Runtime;
using Berth.Specs;
using Berth.Tests.Support;

namespace Berth.Tests.Grains;

/// <summary>Drift between what Berth believes and what the engine runs, injected through the in-memory engine.</summary>
[Collection(InMemoryClusterCollection.Name)]
public sealed class ReconciliationTests(InMemoryClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;
    private InMemoryContainerRuntime Runtime => fixture.Runtime;

    private async Task<string> RegisterAsync(string prefix, int min, int max)
    {
        var id = $"{prefix}-{Guid.NewGuid():N}"[..20];
        await _client.GetGrain<IWorkloadCatalogGrain>(0).Upsert(
            WorkloadSpecParser.ParseYaml($"id: {id}\nimage: {InMemoryClusterFixture.Image}\npool:\n  min_size: {min}\n  max_size: {max}\n"));
        return id;
    }

    private Task<PoolView> Pool(string workload) => _client.GetGrain<IWorkloadPoolGrain>(workload).GetView();

    [Fact]
    public async Task A_claimed_container_that_dies_turns_the_claim_lost_and_the_next_claim_gets_a_fresh_one()
    {
        var workload = await RegisterAsync("lost", min: 1, max: 3);
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var claim = await tenant.Claim(workload, null);

        Runtime.Kill(claim.ContainerId!);

        var status = await Eventually.Until(() => tenant.GetStatus(), s => s.Claims[0].State == TenantClaimState.Lost, "the claim to turn Lost");
        Assert.Contains(claim.ContainerId!, status.Claims[0].Error);
        // Nothing of the tenant's is removed behind its back, and the dead member is never handed out.
        Assert.Contains(Runtime.Containers, c => c.Id == claim.ContainerId);
        var pool = await _client.GetGrain<IWorkloadPoolGrain>(workload).GetView();
        Assert.Equal(PoolMemberState.Lost, pool.Members.Single(m => m.ContainerId == claim.ContainerId).State);

        var fresh = await tenant.Claim(workload, null);
        Assert.Equal(TenantClaimState.Claimed, fresh.State);
        Assert.NotEqual(claim.ContainerId, fresh.ContainerId);
        await Eventually.Until(() => Runtime.Containers.All(c => c.Id != claim.ContainerId), "the lost container to be removed once the tenant moved on");
    }

    [Fact]
    public async Task While_the_engine_is_down_claims_fail_fast_naming_the_host_and_recover_after()
    {
        var workload = await RegisterAsync("down", min: 1, max: 3);
        await Eventually.Until(() => Pool(workload), p => p.Idle == 1, "the pool to fill");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        try
        {
            Runtime.Unreachable = true;
            await Eventually.Until(() => _client.GetGrain<IAgentHostGrain>(InMemoryClusterFixture.HostId).GetView(), h => !h.Healthy, "the host to be seen down");
            // The pool hears it on the next sweep; until then a claim may still get the idle member.
            await Eventually.Until(async () =>
            {
                try
                {
                    await _client.GetGrain<ITenantGrain>($"probe-{Guid.NewGuid():N}").Claim(workload, null);
                    return null;
                }
                catch (BerthException ex)
                {
                    return ex;
                }
            }, ex => ex is not null, "claims to be refused");

            var refused = await Assert.ThrowsAsync<BerthException>(() => tenant.Claim(workload, null));
            Assert.Equal(BerthErrorKind.Unavailable, refused.Kind);
            Assert.Contains($"'{InMemoryClusterFixture.HostId}'", refused.Message);
            Assert.NotNull(refused.RetryAfterSeconds);
        }
        finally
        {
            Runtime.Unreachable = false;
        }

        var claim = await Eventually.Until(async () =>
        {
            try
            {
                return await tenant.Claim(workload, null);
            }
            catch (BerthException)
            {
                return null;
            }
        }, c => c is not null, "claims to succeed again after the engine is back");
        Assert.Equal(TenantClaimState.Claimed, claim!.State);
        Assert.Contains(Runtime.Containers, c => c.Id == claim.ContainerId && c.State == "running");
    }

    [Fact]
    public async Task A_reservation_the_tenant_never_recorded_is_given_up_by_the_claim_audit()
    {
        var workload = await RegisterAsync("audit", min: 1, max: 3);
        await Eventually.Until(() => Pool(workload), p => p.Idle == 1, "the pool to fill");

        // The pool reserves a member for a tenant whose grain never hears of it (as if its silo died).
        var ticket = await _client.GetGrain<IWorkloadPoolGrain>(workload).Claim($"ghost-{workload}");
        Assert.NotNull(ticket.Container);

        await Eventually.Until(() => Pool(workload), p => p.Members.All(m => m.MemberId != ticket.MemberId), "the unrecorded member to be given up");
        await Eventually.Until(() => Runtime.Containers.All(c => c.Id != ticket.Container!.ContainerId), "its container to be removed");
    }
}
