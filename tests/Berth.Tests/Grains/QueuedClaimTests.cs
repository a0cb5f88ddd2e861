using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;
using Berth.Runtime;
using Berth.Specs;
using Berth.Tests.Support;

namespace Berth.Tests.Grains;

/// <summary>
/// A claim that finds no idle member while one is being made waits in line for it (pool.claim_wait)
/// instead of failing or starting a create of its own; a 503 only when nothing is coming or the
/// wait runs out. Creates are held at a gate, so "being made" lasts as long as the test wants.
/// </summary>
[Collection(InMemoryClusterCollection.Name)]
public sealed class QueuedClaimTests(InMemoryClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;
    private InMemoryContainerRuntime Runtime => fixture.Runtime;

    private async Task<string> RegisterAsync(int min, int max, string claimWait = "30s")
    {
        var id = $"line-{Guid.NewGuid():N}"[..20];
        await _client.GetGrain<IWorkloadCatalogGrain>(0).Upsert(WorkloadSpecParser.ParseYaml(
            $"id: {id}\nimage: {InMemoryClusterFixture.Image}\npool:\n  min_size: {min}\n  max_size: {max}\n  claim_wait: {claimWait}\n"));
        return id;
    }

    private Task<PoolView> Pool(string workload) => _client.GetGrain<IWorkloadPoolGrain>(workload).GetView();

    private int CreatesOf(string workload) =>
        Runtime.Containers.Count(c => c.Spec.Labels.GetValueOrDefault(BerthLabels.Workload) == workload);

    [Fact]
    public async Task A_claim_at_max_size_waits_for_the_member_being_made_and_takes_it()
    {
        var workload = await RegisterAsync(min: 1, max: 2);
        await Eventually.Until(() => Pool(workload), v => v.Idle == 1 && v.Creating == 0, "one idle member");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Runtime.CreateGate = gate;
        try
        {
            // A takes the idle member; the refill starts the next one, which the gate holds.
            var a = await _client.GetGrain<ITenantGrain>($"a-{workload}").Claim(workload, null);
            Assert.Equal(ClaimSource.Warm, a.Source);
            await Eventually.Until(() => Pool(workload), v => v.Creating == 1, "the refill to start a member");

            // B: 1 claimed + 1 being made of max 2. It waits rather than failing "at max_size".
            var b = _client.GetGrain<ITenantGrain>($"b-{workload}").Claim(workload, null);
            await Task.Delay(TimeSpan.FromMilliseconds(700));
            Assert.False(b.IsCompleted, "the claim should wait for the member being made");

            gate.SetResult();
            var claimed = await b;
            Assert.Equal(ClaimSource.Queued, claimed.Source);
            Assert.Equal(TenantClaimState.Claimed, claimed.State);
            Assert.NotEqual(a.ContainerId, claimed.ContainerId);
            Assert.Equal(2, CreatesOf(workload)); // the member it waited for, no cold create of its own
        }
        finally
        {
            Runtime.CreateGate = null;
            gate.TrySetResult();
        }
    }

    [Fact]
    public async Task Claims_beyond_what_is_coming_at_max_size_get_503_at_once_while_the_others_wait()
    {
        // The gate first: registering starts the refill.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Runtime.CreateGate = gate;
        var workload = await RegisterAsync(min: 2, max: 2);
        try
        {
            // Both members are being made (the gate holds them); the pool is at max_size.
            await Eventually.Until(() => Pool(workload), v => v.Creating == 2, "two members being made");
            var first = _client.GetGrain<ITenantGrain>($"1-{workload}").Claim(workload, null);
            var second = _client.GetGrain<ITenantGrain>($"2-{workload}").Claim(workload, null);
            await Task.Delay(TimeSpan.FromMilliseconds(500));

            // A third has nothing coming for it: the two on their way are promised to the first two.
            var refused = await Assert.ThrowsAsync<BerthException>(() => _client.GetGrain<ITenantGrain>($"3-{workload}").Claim(workload, null));
            Assert.Equal(BerthErrorKind.Unavailable, refused.Kind);
            Assert.True(refused.PoolFull, refused.Message);
            Assert.False(first.IsCompleted || second.IsCompleted);

            gate.SetResult();
            var served = await Task.WhenAll(first, second);
            Assert.All(served, s => Assert.Equal(ClaimSource.Queued, s.Source));
            Assert.Equal(2, served.Select(s => s.ContainerId).Distinct().Count());
        }
        finally
        {
            Runtime.CreateGate = null;
            gate.TrySetResult();
        }
    }

    [Fact]
    public async Task A_claim_in_line_gives_up_at_claim_wait_with_503_and_the_member_stays_free()
    {
        // The gate first: registering starts the refill.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Runtime.CreateGate = gate;
        var workload = await RegisterAsync(min: 1, max: 1, claimWait: "1s");
        try
        {
            await Eventually.Until(() => Pool(workload), v => v.Creating == 1, "the member being made");
            var refused = await Assert.ThrowsAsync<BerthException>(() => _client.GetGrain<ITenantGrain>($"t-{workload}").Claim(workload, null));
            Assert.Equal(BerthErrorKind.Unavailable, refused.Kind);
            Assert.Contains("pool.claim_wait", refused.Message);
            Assert.NotNull(refused.RetryAfterSeconds);
        }
        finally
        {
            Runtime.CreateGate = null;
            gate.TrySetResult();
        }
        // The member it waited for turns idle for whoever comes next, not reserved for a claim that left.
        var view = await Eventually.Until(() => Pool(workload), v => v.Idle == 1, "the member to turn idle");
        Assert.Equal(0, view.Claimed);
        Assert.Equal(TenantClaimState.Claimed, (await _client.GetGrain<ITenantGrain>($"next-{workload}").Claim(workload, null)).State);
    }
}
