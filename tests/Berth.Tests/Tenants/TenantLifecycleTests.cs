using System.Text;
using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;
using Berth.Runtime;
using Berth.Specs;
using Berth.Tests.Support;

namespace Berth.Tests.Tenants;

/// <summary>Pause and resume, stop and start, time limits, idle release, affinity and pressure, on the in-memory engine.</summary>
[Collection(InMemoryClusterCollection.Name)]
public sealed class TenantLifecycleTests(InMemoryClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;
    private InMemoryContainerRuntime Runtime => fixture.Runtime;

    /// <param name="pool">More pool fields, each on its own line, indented by two spaces.</param>
    private async Task<string> RegisterAsync(string prefix, string pool = "", int maxSize = 4)
    {
        var id = $"{prefix}-{Guid.NewGuid():N}"[..20];
        await _client.GetGrain<IWorkloadCatalogGrain>(0).Upsert(WorkloadSpecParser.ParseYaml(
            $"id: {id}\nimage: {InMemoryClusterFixture.Image}\nvolumes:\n  state:\n    target: /data\npool:\n  min_size: 1\n  max_size: {maxSize}\n  claim_wait: 20s\n{pool}"));
        return id;
    }

    private InMemoryContainerRuntime.FakeContainer Container(string id) => Runtime.Containers.Single(c => c.Id == id);

    private Task<TenantClaimView> ClaimOf(ITenantGrain tenant, string workload) =>
        tenant.GetStatus().ContinueWith(t => t.Result.Claims.Single(c => c.Workload == workload));

    private List<BerthEventType> EventsOf(string tenantId) =>
        [.. fixture.Events.Events.Where(e => e.TenantId == tenantId).Select(e => e.Type)];

    [Fact]
    public async Task A_paused_container_is_handed_back_by_a_claim_as_it_was()
    {
        var workload = await RegisterAsync("pause");
        var tenantId = $"t-{workload}";
        var tenant = _client.GetGrain<ITenantGrain>(tenantId);
        var claimed = await tenant.Claim(workload, null);
        Container(claimed.ContainerId!).Files["/data/x"] = Encoding.UTF8.GetBytes("kept in place");

        var paused = await tenant.Pause(workload);
        Assert.Equal(TenantClaimState.Paused, paused.State);
        Assert.Equal("paused", Container(claimed.ContainerId!).State);
        Assert.Equal(TenantClaimState.Paused, (await tenant.Pause(workload)).State);

        var again = await tenant.Claim(workload, null);

        Assert.Equal(claimed.ContainerId, again.ContainerId);
        Assert.Equal(TenantClaimState.Claimed, again.State);
        Assert.Equal(ClaimSource.Resumed, again.Source);
        Assert.Null(again.RestoredFrom);
        Assert.Equal("running", Container(claimed.ContainerId!).State);
        Assert.Equal("kept in place", Encoding.UTF8.GetString(Container(claimed.ContainerId!).Files["/data/x"]));
        Assert.Equal([BerthEventType.Claimed, BerthEventType.Paused, BerthEventType.Resumed], EventsOf(tenantId));
    }

    [Fact]
    public async Task Moves_the_table_refuses_are_conflicts_naming_the_state()
    {
        var workload = await RegisterAsync("refuse");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        await tenant.Claim(workload, null);
        await tenant.Release(workload, null);

        var pause = await Assert.ThrowsAsync<BerthException>(() => tenant.Pause(workload));
        Assert.Equal(BerthErrorKind.Conflict, pause.Kind);
        Assert.Contains("released", pause.Message);
        var start = await Assert.ThrowsAsync<BerthException>(() => tenant.Start(workload));
        Assert.Equal(BerthErrorKind.Conflict, start.Kind);
        var none = await Assert.ThrowsAsync<BerthException>(() => tenant.Pause("no-such-workload"));
        Assert.Equal(BerthErrorKind.NotFound, none.Kind);
    }

    [Fact]
    public async Task A_stopped_container_starts_again_with_its_files_and_is_not_taken_for_lost()
    {
        var workload = await RegisterAsync("stop");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var claimed = await tenant.Claim(workload, null);
        Container(claimed.ContainerId!).Files["/data/notes"] = Encoding.UTF8.GetBytes("still here");

        var stopped = await tenant.Stop(workload);
        Assert.Equal(TenantClaimState.Stopped, stopped.State);
        Assert.Equal("exited", Container(claimed.ContainerId!).State);
        // Host sweeps see an exited container; the claim stays stopped, never lost.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(TenantClaimState.Stopped, (await ClaimOf(tenant, workload)).State);

        var started = await tenant.Start(workload);

        Assert.Equal(TenantClaimState.Claimed, started.State);
        Assert.Equal(claimed.ContainerId, started.ContainerId);
        Assert.Equal("running", Container(claimed.ContainerId!).State);
        Assert.Equal("still here", Encoding.UTF8.GetString(Container(claimed.ContainerId!).Files["/data/notes"]));
    }

    [Fact]
    public async Task A_claim_past_its_ttl_is_released_with_its_state_saved()
    {
        var workload = await RegisterAsync("ttl");
        var tenantId = $"t-{workload}";
        var tenant = _client.GetGrain<ITenantGrain>(tenantId);
        var claimed = await tenant.Claim(workload, null, TimeSpan.FromSeconds(1));
        Assert.NotNull(claimed.ExpiresAt);
        Container(claimed.ContainerId!).Files["/data/result"] = Encoding.UTF8.GetBytes("42");

        var released = await Eventually.Until(() => ClaimOf(tenant, workload), c => c.State == TenantClaimState.Released, "the claim to expire");

        Assert.NotNull(released.LastSnapshotAt);
        Assert.DoesNotContain(Runtime.Containers, c => c.Id == claimed.ContainerId);
        var expired = fixture.Events.Events.Single(e => e.TenantId == tenantId && e.Type == BerthEventType.Expired);
        Assert.Equal("ttl", expired.Reason);
        Assert.Equal([BerthEventType.Claimed, BerthEventType.Expired, BerthEventType.Saved, BerthEventType.Released], EventsOf(tenantId));
    }

    [Fact]
    public async Task Extend_moves_the_end_and_refuses_to_pass_max_claim_duration()
    {
        var workload = await RegisterAsync("extend", "  max_claim_duration: 1h\n");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        // A ttl past the limit is capped there, and the answer says which limit ends the claim.
        var claimed = await tenant.Claim(workload, null, TimeSpan.FromHours(3));
        Assert.NotNull(claimed.ExpiresAt);
        Assert.Equal("pool.max_claim_duration", claimed.ExpiryReason);
        Assert.True(claimed.ExpiresAt <= claimed.ClaimedAt + TimeSpan.FromHours(1));

        var extended = await tenant.Extend(workload, TimeSpan.FromMinutes(10));
        Assert.True(extended.ExpiresAt < claimed.ExpiresAt);
        Assert.Equal("ttl", extended.ExpiryReason);

        var tooLong = await Assert.ThrowsAsync<BerthException>(() => tenant.Extend(workload, TimeSpan.FromHours(2)));
        Assert.Equal(BerthErrorKind.Conflict, tooLong.Kind);
        Assert.Equal("ttl", tooLong.Field);
        await tenant.Release(workload, null);
    }

    [Fact]
    public async Task An_idle_claim_is_released_and_touches_keep_it()
    {
        var workload = await RegisterAsync("idle", "  claim_idle_timeout: 3s\n");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        await tenant.Claim(workload, null);

        // Touched more often than the timeout: still claimed after several timeouts' worth.
        for (var i = 0; i < 8; i++)
        {
            await tenant.Touch();
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        Assert.Equal(TenantClaimState.Claimed, (await ClaimOf(tenant, workload)).State);

        var released = await Eventually.Until(() => ClaimOf(tenant, workload), c => c.State == TenantClaimState.Released, "the idle claim to be released");
        Assert.NotNull(released.LastSnapshotAt);
    }

    [Fact]
    public async Task With_on_idle_pause_an_idle_claim_is_paused()
    {
        var workload = await RegisterAsync("idlep", "  claim_idle_timeout: 1s\n  on_idle: pause\n");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var claimed = await tenant.Claim(workload, null);

        await Eventually.Until(() => ClaimOf(tenant, workload), c => c.State == TenantClaimState.Paused, "the idle claim to be paused");
        Assert.Equal("paused", Container(claimed.ContainerId!).State);
        Assert.Equal(ClaimSource.Resumed, (await tenant.Resume(workload)).Source);
        await tenant.Release(workload, null);
    }

    [Fact]
    public async Task A_kept_container_is_resumed_by_its_tenant_only()
    {
        var workload = await RegisterAsync("keep", "  keep_released: 10m\n");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var claimed = await tenant.Claim(workload, null);
        Container(claimed.ContainerId!).Files["/data/a"] = [7];

        var released = await tenant.Release(workload, null);
        Assert.Equal(TenantClaimState.Released, released.State);
        Assert.NotNull(released.KeptUntil);
        Assert.NotNull(released.LastSnapshotAt);
        Assert.Equal("paused", Container(claimed.ContainerId!).State);

        // Another tenant never gets it.
        var other = await _client.GetGrain<ITenantGrain>($"o-{workload}").Claim(workload, null);
        Assert.NotEqual(claimed.ContainerId, other.ContainerId);

        var again = await tenant.Claim(workload, null);
        Assert.Equal(claimed.ContainerId, again.ContainerId);
        Assert.Equal(ClaimSource.Resumed, again.Source);
        Assert.Null(again.KeptUntil);
        Assert.Equal("running", Container(claimed.ContainerId!).State);
    }

    [Fact]
    public async Task A_full_pool_makes_room_by_saving_and_destroying_the_oldest_paused_container()
    {
        var workload = await RegisterAsync("press", maxSize: 1);
        var first = _client.GetGrain<ITenantGrain>($"a-{workload}");
        var claimed = await first.Claim(workload, null);
        Container(claimed.ContainerId!).Files["/data/mine"] = [1];
        await first.Pause(workload);

        var second = await _client.GetGrain<ITenantGrain>($"b-{workload}").Claim(workload, null);

        Assert.NotEqual(claimed.ContainerId, second.ContainerId);
        var evicted = await ClaimOf(first, workload);
        Assert.Equal(TenantClaimState.Released, evicted.State);
        Assert.NotNull(evicted.LastSnapshotAt);
        Assert.DoesNotContain(Runtime.Containers, c => c.Id == claimed.ContainerId);
    }

    [Fact]
    public async Task Status_answers_while_a_release_waits_on_its_save()
    {
        var workload = await RegisterAsync("status");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        await tenant.Claim(workload, null);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Runtime.ArchiveReadGate = gate;
        try
        {
            var release = tenant.Release(workload, null);
            var saving = await Eventually.Until(() => ClaimOf(tenant, workload), c => c.State == TenantClaimState.Saving, "the release to be saving");
            Assert.Equal(TenantClaimState.Saving, saving.State);
            Assert.Empty(await tenant.ListSecrets());
            Assert.False(release.IsCompleted);
            gate.SetResult();
            Assert.Equal(TenantClaimState.Released, (await release).State);
        }
        finally
        {
            Runtime.ArchiveReadGate = null;
            gate.TrySetResult();
        }
    }

    [Fact]
    public async Task A_container_paused_past_pause_timeout_is_saved_and_destroyed()
    {
        var workload = await RegisterAsync("ptime", "  pause_timeout: 1s\n");
        var tenantId = $"t-{workload}";
        var tenant = _client.GetGrain<ITenantGrain>(tenantId);
        var claimed = await tenant.Claim(workload, null);
        await tenant.Pause(workload);

        var released = await Eventually.Until(() => ClaimOf(tenant, workload), c => c.State == TenantClaimState.Released, "the paused claim to time out");

        Assert.NotNull(released.LastSnapshotAt);
        Assert.DoesNotContain(Runtime.Containers, c => c.Id == claimed.ContainerId);
        Assert.Contains(fixture.Events.Events, e => e.TenantId == tenantId && e.Type == BerthEventType.Expired && e.Reason == "pool.pause_timeout");
    }

    [Fact]
    public async Task A_kept_container_goes_once_keep_released_is_over()
    {
        var workload = await RegisterAsync("kover", "  keep_released: 1s\n");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var claimed = await tenant.Claim(workload, null);
        Assert.NotNull((await tenant.Release(workload, null)).KeptUntil);

        await Eventually.Until(() => Runtime.Containers.All(c => c.Id != claimed.ContainerId), "the kept container to be destroyed");

        var after = await ClaimOf(tenant, workload);
        Assert.Null(after.KeptUntil);
        Assert.Null(after.ContainerId);
        Assert.NotEqual(claimed.ContainerId, (await tenant.Claim(workload, null)).ContainerId);
    }
}
