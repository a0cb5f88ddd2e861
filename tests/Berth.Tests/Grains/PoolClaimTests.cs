using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;
using Berth.Runtime;
using Berth.Specs;
using Berth.Tests.Support;

namespace Berth.Tests.Grains;

/// <summary>Claim and pool logic on a real Orleans cluster with an in-memory engine (fault injection).</summary>
[Collection(InMemoryClusterCollection.Name)]
public sealed class PoolClaimTests(InMemoryClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;
    private InMemoryContainerRuntime Runtime => fixture.Runtime;

    private static string NewWorkloadId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];

    private async Task<string> RegisterAsync(string prefix, int min, int max, string image = InMemoryClusterFixture.Image)
    {
        var id = NewWorkloadId(prefix);
        var spec = WorkloadSpecParser.ParseYaml($"id: {id}\nimage: {image}\nports: [8080]\npool:\n  min_size: {min}\n  max_size: {max}\n");
        await _client.GetGrain<IWorkloadCatalogGrain>(0).Upsert(spec);
        return id;
    }

    private Task<PoolView> WaitForIdle(string workload, int idle) =>
        Eventually.Until(() => _client.GetGrain<IWorkloadPoolGrain>(workload).GetView(),
            v => v.Idle == idle && v.Creating == 0 && v.Destroying == 0, $"pool {workload} to have {idle} idle members");

    private IEnumerable<InMemoryContainerRuntime.FakeContainer> ContainersOf(string workload) =>
        Runtime.Containers.Where(c => c.Spec.Labels.GetValueOrDefault(BerthLabels.Workload) == workload);

    [Fact]
    public async Task A_warm_claim_never_waits_on_a_create()
    {
        var workload = await RegisterAsync("warm", min: 2, max: 5);
        var before = await WaitForIdle(workload, 2);

        // From here every create blocks until the gate opens: a claim that needed one could not finish.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Runtime.CreateGate = gate;
        try
        {
            var claim = await _client.GetGrain<ITenantGrain>($"t-{workload}").Claim(workload, null).WaitAsync(TimeSpan.FromSeconds(30));

            Assert.Equal(ClaimSource.Warm, claim.Source);
            Assert.Equal(TenantClaimState.Claimed, claim.State);
            Assert.Contains(before.Members, m => m.ContainerId == claim.ContainerId);
            Assert.Single(claim.Endpoints);
        }
        finally
        {
            Runtime.CreateGate = null;
            gate.SetResult();
        }
        await WaitForIdle(workload, 2);
    }

    [Fact]
    public async Task Claiming_again_returns_the_same_container()
    {
        var workload = await RegisterAsync("again", min: 1, max: 3);
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");

        var first = await tenant.Claim(workload, null);
        var second = await tenant.Claim(workload, null);

        Assert.Equal(first.ContainerId, second.ContainerId);
        var status = await tenant.GetStatus();
        Assert.Single(status.Claims);
    }

    [Fact]
    public async Task Fifty_concurrent_claims_get_fifty_distinct_containers()
    {
        var workload = await RegisterAsync("burst", min: 10, max: 60);
        await WaitForIdle(workload, 10);

        var tenants = Enumerable.Range(0, 50).Select(i => $"burst-{i}-{workload}").ToArray();
        // Every tenant claims twice at once as well: a tenant must still end with one container.
        var claims = await Task.WhenAll(tenants.Concat(tenants)
            .Select(t => _client.GetGrain<ITenantGrain>(t).Claim(workload, null)));

        var byTenant = claims.GroupBy(c => c.TenantId).ToDictionary(g => g.Key, g => g.Select(c => c.ContainerId).Distinct().ToList());
        Assert.All(byTenant.Values, ids => Assert.Single(ids));
        var containerIds = byTenant.Values.Select(ids => ids[0]).ToList();
        Assert.Equal(50, containerIds.Distinct().Count());

        var pool = await _client.GetGrain<IWorkloadPoolGrain>(workload).GetView();
        Assert.True(pool.Members.Length <= 60, $"pool has {pool.Members.Length} members, above max_size 60");
        var owners = pool.Members.Where(m => m.TenantId is not null).ToDictionary(m => m.ContainerId!, m => m.TenantId);
        foreach (var claim in claims)
        {
            Assert.Equal(claim.TenantId, owners[claim.ContainerId!]);
            Assert.Contains(ContainersOf(workload), c => c.Id == claim.ContainerId && c.State == "running");
        }
    }

    [Fact]
    public async Task At_max_size_a_claim_is_refused_with_retry_after_and_nothing_is_created()
    {
        var workload = await RegisterAsync("full", min: 0, max: 1);
        var first = await _client.GetGrain<ITenantGrain>($"a-{workload}").Claim(workload, null);
        Assert.Equal(ClaimSource.Cold, first.Source);
        var createsBefore = Runtime.CreatesOf(workload);

        var ex = await Assert.ThrowsAsync<BerthException>(() => _client.GetGrain<ITenantGrain>($"b-{workload}").Claim(workload, null));

        Assert.Equal(BerthErrorKind.Unavailable, ex.Kind);
        Assert.NotNull(ex.RetryAfterSeconds);
        Assert.Contains("max_size", ex.Message);
        Assert.Equal(createsBefore, Runtime.CreatesOf(workload));
        Assert.Single(ContainersOf(workload));
        Assert.Empty((await _client.GetGrain<ITenantGrain>($"b-{workload}").GetStatus()).Claims);
    }

    [Fact]
    public async Task Release_destroys_the_container_and_the_pool_refills()
    {
        var workload = await RegisterAsync("release", min: 1, max: 3);
        await WaitForIdle(workload, 1);
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var claim = await tenant.Claim(workload, null);

        var released = await tenant.Release(null, null);

        Assert.Equal(TenantClaimState.Released, released.State);
        Assert.DoesNotContain(Runtime.Containers, c => c.Id == claim.ContainerId);
        var pool = await WaitForIdle(workload, 1);
        Assert.DoesNotContain(pool.Members, m => m.ContainerId == claim.ContainerId);
        // A second release converges instead of failing.
        Assert.Equal(TenantClaimState.Released, (await tenant.Release(workload, null)).State);
    }

    [Fact]
    public async Task A_late_retry_of_a_release_never_releases_the_claim_made_after_it()
    {
        var workload = await RegisterAsync("late-retry", min: 1, max: 3);
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        await tenant.Claim(workload, null);
        Assert.Equal(TenantClaimState.Released, (await tenant.Release(null, "op-1")).State);
        var newer = await tenant.Claim(workload, null);

        var retried = await tenant.Release(null, "op-1");

        Assert.Equal(TenantClaimState.Claimed, retried.State);
        Assert.Equal(newer.ContainerId, retried.ContainerId);
        Assert.Contains(Runtime.Containers, c => c.Id == newer.ContainerId && c.State == "running");
        Assert.Equal(TenantClaimState.Released, (await tenant.Release(null, "op-2")).State);
    }

    [Fact]
    public async Task A_tenant_over_its_quota_of_held_containers_is_refused_until_it_releases_one()
    {
        var workloads = new List<string>();
        for (var i = 0; i < 4; i++) workloads.Add(await RegisterAsync($"quota{i}", min: 0, max: 2));
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workloads[0]}");
        for (var i = 0; i < 3; i++) await tenant.Claim(workloads[i], null);

        var refused = await Assert.ThrowsAsync<BerthException>(() => tenant.Claim(workloads[3], null));

        Assert.Equal(BerthErrorKind.QuotaExceeded, refused.Kind);
        Assert.Contains("MaxClaimsPerTenant", refused.Message);
        Assert.Equal(TenantClaimState.Claimed, (await tenant.Claim(workloads[0], null)).State); // what it holds stays reachable
        await tenant.Release(workloads[0], null);
        Assert.Equal(TenantClaimState.Claimed, (await tenant.Claim(workloads[3], null)).State);
        foreach (var w in workloads.Skip(1)) await tenant.Release(w, null);
    }

    [Fact]
    public async Task A_workload_hands_out_no_more_new_claims_per_minute_than_its_quota()
    {
        var id = $"rate-{Guid.NewGuid():N}"[..20];
        await _client.GetGrain<IWorkloadCatalogGrain>(0).Upsert(WorkloadSpecParser.ParseYaml(
            $"id: {id}\nimage: {InMemoryClusterFixture.Image}\npool:\n  min_size: 0\n  max_size: 5\n  claims_per_minute: 2\n"));
        await _client.GetGrain<ITenantGrain>($"a-{id}").Claim(id, null);
        await _client.GetGrain<ITenantGrain>($"b-{id}").Claim(id, null);

        var refused = await Assert.ThrowsAsync<BerthException>(() => _client.GetGrain<ITenantGrain>($"c-{id}").Claim(id, null));

        Assert.Equal(BerthErrorKind.QuotaExceeded, refused.Kind);
        Assert.InRange(refused.RetryAfterSeconds ?? 0, 1, 60);
        // Asking again for a container already held is not a new claim.
        Assert.Equal(TenantClaimState.Claimed, (await _client.GetGrain<ITenantGrain>($"a-{id}").Claim(id, null)).State);
    }

    [Fact]
    public async Task An_idle_member_killed_behind_berths_back_is_replaced()
    {
        var workload = await RegisterAsync("killed", min: 2, max: 4);
        var before = await WaitForIdle(workload, 2);
        var victim = before.Members[0];

        Runtime.Kill(victim.ContainerId!);

        var after = await Eventually.Until(() => _client.GetGrain<IWorkloadPoolGrain>(workload).GetView(),
            v => v.Idle == 2 && v.Members.All(m => m.MemberId != victim.MemberId), "the killed member to be replaced");
        Assert.DoesNotContain(Runtime.Containers, c => c.Id == victim.ContainerId);
        Assert.Equal(2, after.Members.Length);
    }

    [Fact]
    public async Task An_idle_member_that_turns_unhealthy_is_replaced()
    {
        var id = NewWorkloadId("sick");
        var spec = WorkloadSpecParser.ParseYaml($"id: {id}\nimage: {InMemoryClusterFixture.Image}\nhealthcheck:\n  test: true\npool:\n  min_size: 1\n  max_size: 2\n");
        await _client.GetGrain<IWorkloadCatalogGrain>(0).Upsert(spec);
        var before = await WaitForIdle(id, 1);
        var sick = before.Members[0];

        Runtime.SetHealth(sick.ContainerId!, "unhealthy");

        await Eventually.Until(() => _client.GetGrain<IWorkloadPoolGrain>(id).GetView(),
            v => v.Idle == 1 && v.Members.All(m => m.MemberId != sick.MemberId), "the unhealthy member to be replaced");
        Assert.DoesNotContain(Runtime.Containers, c => c.Id == sick.ContainerId);
    }

    [Fact]
    public async Task A_failed_cold_create_fails_the_claim_visibly_and_frees_the_slot()
    {
        const string brokenImage = "berth-test:other";
        var workload = await RegisterAsync("broken", min: 0, max: 1, image: brokenImage);
        Runtime.FailingImages[brokenImage] = "simulated engine failure";
        try
        {
            var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
            var ex = await Assert.ThrowsAsync<BerthException>(() => tenant.Claim(workload, "op-failed"));
            Assert.Equal(BerthErrorKind.Unavailable, ex.Kind);
            Assert.Contains("simulated engine failure", ex.Message);

            var claim = Assert.Single((await tenant.GetStatus()).Claims);
            Assert.Equal(TenantClaimState.Failed, claim.State);
            Assert.Contains("simulated engine failure", claim.Error);
            await Eventually.Until(() => _client.GetGrain<IWorkloadPoolGrain>(workload).GetView(), v => v.Members.Length == 0, "the slot to be freed");

            Runtime.FailingImages.Clear();
            // A retry of that same operation (its first call timed out, say) learns why it failed...
            var again = await Assert.ThrowsAsync<BerthException>(() => tenant.Claim(workload, "op-failed"));
            Assert.Equal(BerthErrorKind.Unavailable, again.Kind);
            Assert.Contains("simulated engine failure", again.Message);
            // ...while a new claim tries again.
            var retried = await tenant.Claim(workload, null);
            Assert.Equal(TenantClaimState.Claimed, retried.State);
        }
        finally
        {
            Runtime.FailingImages.Clear();
        }
    }

    [Fact]
    public async Task Deleting_a_workload_is_refused_while_claimed_and_drains_the_pool_after()
    {
        var workload = await RegisterAsync("delete", min: 2, max: 4);
        await WaitForIdle(workload, 2);
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        await tenant.Claim(workload, null);
        var catalog = _client.GetGrain<IWorkloadCatalogGrain>(0);

        var refused = await Assert.ThrowsAsync<BerthException>(() => catalog.Delete(workload));
        Assert.Equal(BerthErrorKind.Conflict, refused.Kind);

        await tenant.Release(workload, null);
        await catalog.Delete(workload);

        Assert.Null(await catalog.Get(workload));
        await Eventually.Until(() => !ContainersOf(workload).Any(), "every container of the deleted workload to be removed");
        var claimAfterDelete = await Assert.ThrowsAsync<BerthException>(() => tenant.Claim(workload, null));
        Assert.Equal(BerthErrorKind.NotFound, claimAfterDelete.Kind);
    }

    [Fact]
    public async Task A_new_spec_version_replaces_idle_members()
    {
        var workload = await RegisterAsync("respec", min: 2, max: 4);
        var before = await WaitForIdle(workload, 2);

        var updated = WorkloadSpecParser.ParseYaml($"id: {workload}\nimage: {InMemoryClusterFixture.Image}\nports: [8080, 9090]\npool:\n  min_size: 2\n  max_size: 4\n");
        var (record, created) = await _client.GetGrain<IWorkloadCatalogGrain>(0).Upsert(updated);
        Assert.False(created);

        var after = await Eventually.Until(() => _client.GetGrain<IWorkloadPoolGrain>(workload).GetView(),
            v => v.Idle == 2 && v.Members.All(m => m.SpecVersion == record.Version), "idle members to be rebuilt at the new version");
        Assert.NotEqual(before.SpecVersion, after.SpecVersion);
        Assert.Empty(after.Members.Select(m => m.MemberId).Intersect(before.Members.Select(m => m.MemberId)));
    }

    [Fact]
    public async Task Idle_members_above_min_size_are_evicted_after_idle_timeout()
    {
        var id = NewWorkloadId("evict");
        string Spec(int min) => $"id: {id}\nimage: {InMemoryClusterFixture.Image}\npool:\n  min_size: {min}\n  max_size: 5\n  idle_timeout: 1s\n";
        var catalog = _client.GetGrain<IWorkloadCatalogGrain>(0);
        await catalog.Upsert(WorkloadSpecParser.ParseYaml(Spec(3)));
        var full = await WaitForIdle(id, 3);

        // Shrinking min_size leaves two idle members above it; they go once idle longer than idle_timeout.
        await catalog.Upsert(WorkloadSpecParser.ParseYaml(Spec(1)));

        var after = await WaitForIdle(id, 1);
        Assert.Single(after.Members);
        Assert.Contains(full.Members, m => m.MemberId == after.Members[0].MemberId);
        Assert.Single(ContainersOf(id));
    }

    [Fact]
    public async Task A_labelled_container_no_member_owns_is_removed()
    {
        var workload = await RegisterAsync("orphan", min: 1, max: 2);
        await WaitForIdle(workload, 1);

        var orphan = Runtime.AddForeign(new Dictionary<string, string>
        {
            [BerthLabels.Managed] = "true",
            [BerthLabels.Cluster] = "mem-cluster",
            [BerthLabels.Host] = InMemoryClusterFixture.HostId,
            [BerthLabels.Workload] = workload,
            [BerthLabels.Member] = "not-a-member",
        });

        await Eventually.Until(() => Runtime.Containers.All(c => c.Id != orphan), "the orphan to be removed");
        await WaitForIdle(workload, 1);
    }

    [Fact]
    public async Task Containers_with_a_missing_or_repeated_member_label_are_orphans_and_reconciliation_goes_on()
    {
        var workload = await RegisterAsync("dupes", min: 1, max: 2);
        await WaitForIdle(workload, 1);
        var member = (await _client.GetGrain<IWorkloadPoolGrain>(workload).GetView()).Members.Single(m => m.State == PoolMemberState.Idle);
        Dictionary<string, string> Labels(string? memberId)
        {
            var labels = new Dictionary<string, string>
            {
                [BerthLabels.Managed] = "true",
                [BerthLabels.Cluster] = "mem-cluster",
                [BerthLabels.Host] = InMemoryClusterFixture.HostId,
                [BerthLabels.Workload] = workload,
            };
            if (memberId is not null) labels[BerthLabels.Member] = memberId;
            return labels;
        }
        var unlabelled = Runtime.AddForeign(Labels(null));
        var unlabelledToo = Runtime.AddForeign(Labels(null));
        var duplicate = Runtime.AddForeign(Labels(member.MemberId));

        await Eventually.Until(() => Runtime.Containers.All(c => c.Id != unlabelled && c.Id != unlabelledToo && c.Id != duplicate), "the orphans to be removed");
        Assert.Contains(Runtime.Containers, c => c.Id == member.ContainerId && c.State == "running");
        // The reports still act: an idle member killed behind Berth's back is replaced.
        Runtime.Kill(member.ContainerId!);
        await Eventually.Until(() => _client.GetGrain<IWorkloadPoolGrain>(workload).GetView(),
            v => v.Idle == 1 && v.Members.All(m => m.MemberId != member.MemberId), "the killed member to be replaced");
    }

    [Fact]
    public async Task Creates_asked_of_a_host_activation_that_is_gone_are_given_up_at_once()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Runtime.CreateGate = gate;
        try
        {
            var workload = await RegisterAsync("lostcreate", min: 2, max: 4);
            var pool = _client.GetGrain<IWorkloadPoolGrain>(workload);
            var stuck = await Eventually.Until(() => pool.GetView(), v => v.Creating == 2, "two creates in flight");
            var stuckIds = stuck.Members.Select(m => m.MemberId).ToHashSet();

            // The host's grain reports from an activation younger than those creates (its silo died).
            await pool.ObserveHost(new HostReport(InMemoryClusterFixture.HostId, DateTimeOffset.UtcNow, true, null, [], DateTimeOffset.UtcNow.AddSeconds(30)));

            // (ObserveHost is one-way.)
            var after = await Eventually.Until(() => pool.GetView(),
                v => v.Members.Where(m => stuckIds.Contains(m.MemberId)).All(m => m.State == PoolMemberState.Destroying), "the lost creates to be given up");
            Assert.Equal(2, after.Members.Count(m => !stuckIds.Contains(m.MemberId) && m.State == PoolMemberState.Creating));
        }
        finally
        {
            Runtime.CreateGate = null;
            gate.TrySetResult();
        }
    }
}
