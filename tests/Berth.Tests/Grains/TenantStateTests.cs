using System.Text;
using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;
using Berth.Runtime;
using Berth.Specs;
using Berth.Tests.Support;

namespace Berth.Tests.Grains;

/// <summary>Save on release and restore on claim, with the in-memory engine's archive API.</summary>
[Collection(InMemoryClusterCollection.Name)]
public sealed class TenantStateTests(InMemoryClusterFixture fixture)
{
    private readonly IClusterClient _client = fixture.Client;
    private InMemoryContainerRuntime Runtime => fixture.Runtime;

    /// <param name="extra">YAML appended after the pool's fields: more pool fields (indented) or top-level ones.</param>
    private async Task<string> RegisterAsync(string prefix, string extra = "")
    {
        var id = $"{prefix}-{Guid.NewGuid():N}"[..20];
        await _client.GetGrain<IWorkloadCatalogGrain>(0).Upsert(WorkloadSpecParser.ParseYaml(
            $"id: {id}\nimage: {InMemoryClusterFixture.Image}\nvolumes:\n  state:\n    target: /data\npool:\n  min_size: 1\n  max_size: 4\n{extra}"));
        return id;
    }

    private InMemoryContainerRuntime.FakeContainer Container(string id) => Runtime.Containers.Single(c => c.Id == id);

    [Fact]
    public async Task State_written_in_one_container_is_restored_into_the_next()
    {
        var workload = await RegisterAsync("state");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var first = await tenant.Claim(workload, null);
        Container(first.ContainerId!).Files["/data/notes.txt"] = Encoding.UTF8.GetBytes("remember me");
        Container(first.ContainerId!).Files["/data/deep/nested.bin"] = [1, 2, 3];

        var released = await tenant.Release(workload, null);
        Assert.Equal(TenantClaimState.Released, released.State);
        Assert.NotNull(released.LastSnapshotAt);
        Assert.DoesNotContain(Runtime.Containers, c => c.Id == first.ContainerId);

        var second = await tenant.Claim(workload, null);

        Assert.NotEqual(first.ContainerId, second.ContainerId);
        var files = Container(second.ContainerId!).Files;
        Assert.Equal("remember me", Encoding.UTF8.GetString(files["/data/notes.txt"]));
        Assert.Equal([1, 2, 3], files["/data/deep/nested.bin"]);
    }

    [Fact]
    public async Task State_above_the_limit_refuses_the_release_and_keeps_the_container()
    {
        var workload = await RegisterAsync("limit", "sync:\n  sink: filesystem\n  max_size: 1k\n");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var claim = await tenant.Claim(workload, null);
        Container(claim.ContainerId!).Files["/data/big"] = new byte[4096];

        var ex = await Assert.ThrowsAsync<BerthException>(() => tenant.Release(workload, null));

        Assert.Equal(BerthErrorKind.Unprocessable, ex.Kind);
        Assert.Contains("1024 bytes", ex.Message);
        var status = Assert.Single((await tenant.GetStatus()).Claims);
        Assert.Equal(TenantClaimState.Claimed, status.State);
        Assert.Contains("release refused", status.Error);
        Assert.Contains(Runtime.Containers, c => c.Id == claim.ContainerId && c.State == "running");
    }

    [Fact]
    public async Task A_failed_save_keeps_the_container_stopped_and_is_retried_until_it_succeeds()
    {
        var workload = await RegisterAsync("retry");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var claim = await tenant.Claim(workload, null);
        Container(claim.ContainerId!).Files["/data/keep.txt"] = Encoding.UTF8.GetBytes("precious");

        Runtime.FailArchiveReads = "simulated sink outage";
        try
        {
            var ex = await Assert.ThrowsAsync<BerthException>(() => tenant.Release(workload, null));
            Assert.Equal(BerthErrorKind.Unavailable, ex.Kind);
            var saving = Assert.Single((await tenant.GetStatus()).Claims);
            Assert.Equal(TenantClaimState.Saving, saving.State);
            Assert.Contains("simulated sink outage", saving.Error);
            Assert.Contains(Runtime.Containers, c => c.Id == claim.ContainerId && c.State == "exited");
            var refused = await Assert.ThrowsAsync<BerthException>(() => tenant.Claim(workload, null));
            Assert.Equal(BerthErrorKind.Conflict, refused.Kind);
        }
        finally
        {
            Runtime.FailArchiveReads = null;
        }

        await Eventually.Until(() => tenant.GetStatus(), s => s.Claims[0].State == TenantClaimState.Released, "the retried save to complete the release");
        Assert.DoesNotContain(Runtime.Containers, c => c.Id == claim.ContainerId);
        var again = await tenant.Claim(workload, null);
        Assert.Equal("precious", Encoding.UTF8.GetString(Container(again.ContainerId!).Files["/data/keep.txt"]));
    }

    [Fact]
    public async Task Secrets_reach_the_container_as_files_and_never_the_status_or_the_snapshot()
    {
        var id = $"secret-{Guid.NewGuid():N}"[..20];
        await _client.GetGrain<IWorkloadCatalogGrain>(0).Upsert(WorkloadSpecParser.ParseYaml(
            $"id: {id}\nimage: {InMemoryClusterFixture.Image}\nvolumes:\n  state:\n    target: /data\n  secrets:\n    target: /run/secrets\npool:\n  min_size: 1\n  max_size: 3\n"));
        var tenant = _client.GetGrain<ITenantGrain>($"t-{id}");
        var value = Encoding.UTF8.GetBytes("s3cr3t-" + Guid.NewGuid());
        await tenant.PutSecret("api-key", value);

        var claim = await tenant.Claim(id, null);

        Assert.Equal(value, Container(claim.ContainerId!).Files["/run/secrets/api-key"]);
        Assert.Equal(["api-key"], await tenant.ListSecrets());
        var status = System.Text.Json.JsonSerializer.Serialize(await tenant.GetStatus());
        Assert.DoesNotContain(Encoding.UTF8.GetString(value), status);

        Container(claim.ContainerId!).Files["/data/work.txt"] = Encoding.UTF8.GetBytes("work");
        await tenant.Release(id, null);
        var snapshots = Directory.GetFiles(fixture.SnapshotRoot, "*.tar", SearchOption.AllDirectories);
        Assert.NotEmpty(snapshots);
        Assert.All(snapshots, path => Assert.False(Contains(File.ReadAllBytes(path), value), $"{path} holds the secret"));

        Assert.True(await tenant.DeleteSecret("api-key"));
        Assert.False(await tenant.DeleteSecret("api-key"));
        var invalid = await Assert.ThrowsAsync<BerthException>(() => tenant.PutSecret("../escape", value));
        Assert.Equal("name", invalid.Field);
    }

    [Fact]
    public async Task Mappings_inside_the_state_volume_save_and_restore_by_direction_and_mode()
    {
        var workload = await RegisterAsync("map", """
            sync:
              mappings:
                - path: out
                  direction: upload
                  mode: copy
                - path: /seed
                  direction: download
                - path: home
                - path: config.json
            """ + "\n");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var first = await tenant.Claim(workload, null);
        var files = Container(first.ContainerId!).Files;
        files["/data/unmapped.txt"] = Encoding.UTF8.GetBytes("outside every mapping: not synced");
        files["/data/out/report-1.txt"] = Encoding.UTF8.GetBytes("one");
        files["/data/seed/ignored.txt"] = Encoding.UTF8.GetBytes("download only: never saved");
        files["/data/home/profile"] = Encoding.UTF8.GetBytes("profile");
        files["/data/config.json"] = Encoding.UTF8.GetBytes("{\"theme\":\"dark\"}");
        await tenant.Release(workload, null);

        var second = await tenant.Claim(workload, null);
        files = Container(second.ContainerId!).Files;
        Assert.Equal("profile", Encoding.UTF8.GetString(files["/data/home/profile"]));
        Assert.Equal("{\"theme\":\"dark\"}", Encoding.UTF8.GetString(files["/data/config.json"]));
        Assert.False(files.ContainsKey("/data/unmapped.txt"), "with mappings, only the mapped paths are synced");
        Assert.False(files.ContainsKey("/data/out/report-1.txt"), "an upload-only path is never restored");
        Assert.False(files.ContainsKey("/data/seed/ignored.txt"), "a download-only path is never saved");

        // Mode copy: the second save adds to the first, so both reports are in the sink.
        files["/data/out/report-2.txt"] = Encoding.UTF8.GetBytes("two");
        await tenant.Release(workload, null);
        var latestOut = SnapshotFiles(workload).Where(f => f.EndsWith("-0.tar", StringComparison.Ordinal)).Max(StringComparer.Ordinal)!;
        Assert.Equal(["report-1.txt", "report-2.txt"], EntryNames(latestOut).Order(StringComparer.Ordinal));
        var latestConfig = SnapshotFiles(workload).Where(f => f.EndsWith("-3.tar", StringComparison.Ordinal)).Max(StringComparer.Ordinal)!;
        Assert.Equal(["config.json"], EntryNames(latestConfig));
    }

    [Fact]
    public async Task Periodic_sync_snapshots_while_claimed_and_keeps_only_the_newest_snapshots()
    {
        var workload = await RegisterAsync("periodic", "sync:\n  policy:\n    periodic: 10s\n");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var claim = await tenant.Claim(workload, null);
        Container(claim.ContainerId!).Files["/data/progress.txt"] = Encoding.UTF8.GetBytes("step 1");

        var synced = await Eventually.Until(() => tenant.GetStatus(), s => s.Claims[0].LastSnapshotAt is not null, "a periodic snapshot while claimed");
        Assert.Equal(TenantClaimState.Claimed, synced.Claims[0].State);
        Assert.Contains(Runtime.Containers, c => c.Id == claim.ContainerId && c.State == "running");

        // Keep (3 in the fixture) bounds the stored snapshots however many are taken.
        for (var i = 0; i < 3; i++)
        {
            await tenant.Release(workload, null);
            await tenant.Claim(workload, null);
        }
        await tenant.Release(workload, null);
        Assert.Equal(3, SnapshotFiles(workload).Length);
        var restored = await tenant.Claim(workload, null);
        Assert.Equal("step 1", Encoding.UTF8.GetString(Container(restored.ContainerId!).Files["/data/progress.txt"]));
    }

    [Fact]
    public async Task A_lost_claim_is_released_with_its_state_saved_after_the_lost_timeout()
    {
        var workload = await RegisterAsync("losttime", "  lost_timeout: 1s\n");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var claim = await tenant.Claim(workload, null);
        Container(claim.ContainerId!).Files["/data/last-words.txt"] = Encoding.UTF8.GetBytes("saved from a dead container");

        Runtime.Kill(claim.ContainerId!);

        var released = await Eventually.Until(() => tenant.GetStatus(), s => s.Claims[0].State == TenantClaimState.Released, "the lost claim to be released after its timeout");
        Assert.Contains("lost_timeout", released.Claims[0].Error);
        Assert.NotNull(released.Claims[0].LastSnapshotAt);
        await Eventually.Until(() => Runtime.Containers.All(c => c.Id != claim.ContainerId), "the dead container to be removed");
        var again = await tenant.Claim(workload, null);
        Assert.Equal("saved from a dead container", Encoding.UTF8.GetString(Container(again.ContainerId!).Files["/data/last-words.txt"]));
    }

    [Fact]
    public async Task A_claim_after_a_lost_container_restores_what_that_container_still_held()
    {
        var workload = await RegisterAsync("lostsave");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var first = await tenant.Claim(workload, null);
        Container(first.ContainerId!).Files["/data/work.txt"] = Encoding.UTF8.GetBytes("v1");
        await tenant.Release(workload, null);
        var second = await tenant.Claim(workload, null);
        Assert.Equal("v1", Encoding.UTF8.GetString(Container(second.ContainerId!).Files["/data/work.txt"]));
        Container(second.ContainerId!).Files["/data/work.txt"] = Encoding.UTF8.GetBytes("v2, written after the last snapshot");

        Runtime.Kill(second.ContainerId!);
        await Eventually.Until(() => tenant.GetStatus(), s => s.Claims[0].State == TenantClaimState.Lost, "the killed container's claim to turn lost");
        var third = await tenant.Claim(workload, null);

        Assert.Equal("v2, written after the last snapshot", Encoding.UTF8.GetString(Container(third.ContainerId!).Files["/data/work.txt"]));
        Assert.NotNull(third.RestoredFrom);
        Assert.Null(third.RestoredFrom.Note);
        Assert.Equal(third.LastSnapshotAt, third.RestoredFrom.CreatedAt);
    }

    [Fact]
    public async Task A_claim_waits_rather_than_lose_a_lost_container_it_cannot_save_yet()
    {
        var workload = await RegisterAsync("lostwait");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var first = await tenant.Claim(workload, null);
        Container(first.ContainerId!).Files["/data/work.txt"] = Encoding.UTF8.GetBytes("only in the lost container");
        Runtime.Kill(first.ContainerId!);
        await Eventually.Until(() => tenant.GetStatus(), s => s.Claims[0].State == TenantClaimState.Lost, "the killed container's claim to turn lost");

        Runtime.FailArchiveReads = "simulated sink outage";
        try
        {
            var refused = await Assert.ThrowsAsync<BerthException>(() => tenant.Claim(workload, null));
            Assert.Equal(BerthErrorKind.Unavailable, refused.Kind);
            Assert.Equal(TenantClaimState.Lost, (await tenant.GetStatus()).Claims[0].State);
            Assert.Contains(Runtime.Containers, c => c.Id == first.ContainerId);
        }
        finally
        {
            Runtime.FailArchiveReads = null;
        }
        var second = await tenant.Claim(workload, null);
        Assert.Equal("only in the lost container", Encoding.UTF8.GetString(Container(second.ContainerId!).Files["/data/work.txt"]));
        await tenant.Release(workload, null);
    }

    [Fact]
    public async Task A_claim_after_an_unreadable_lost_container_says_which_snapshot_it_restored()
    {
        var workload = await RegisterAsync("lostgone");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var first = await tenant.Claim(workload, null);
        Container(first.ContainerId!).Files["/data/work.txt"] = Encoding.UTF8.GetBytes("v1");
        var released = await tenant.Release(workload, null);
        var second = await tenant.Claim(workload, null);
        Container(second.ContainerId!).Files["/data/work.txt"] = Encoding.UTF8.GetBytes("v2, lost with its container");

        Runtime.Kill(second.ContainerId!);
        await Eventually.Until(() => tenant.GetStatus(), s => s.Claims[0].State == TenantClaimState.Lost, "the killed container's claim to turn lost");
        await Runtime.RemoveAsync(second.ContainerId!, CancellationToken.None);
        var third = await tenant.Claim(workload, null);

        Assert.Equal("v1", Encoding.UTF8.GetString(Container(third.ContainerId!).Files["/data/work.txt"]));
        Assert.Equal(released.LastSnapshotAt, third.RestoredFrom!.CreatedAt);
        Assert.Contains("could not be read", third.RestoredFrom.Note);
        Assert.Contains("lacks what was written after it", third.RestoredFrom.Note);
    }

    [Fact]
    public async Task Two_workloads_released_while_the_sink_is_down_are_both_saved_once_it_is_back()
    {
        var a = await RegisterAsync("two-a");
        var b = await RegisterAsync("two-b");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{a}");
        var claimA = await tenant.Claim(a, null);
        var claimB = await tenant.Claim(b, null);
        Container(claimA.ContainerId!).Files["/data/a.txt"] = Encoding.UTF8.GetBytes("state of a");
        Container(claimB.ContainerId!).Files["/data/b.txt"] = Encoding.UTF8.GetBytes("state of b");

        Runtime.FailArchiveReads = "simulated sink outage";
        try
        {
            await Assert.ThrowsAsync<BerthException>(() => tenant.Release(a, "release-a"));
            await Assert.ThrowsAsync<BerthException>(() => tenant.Release(b, "release-b"));
            Assert.All((await tenant.GetStatus()).Claims, c => Assert.Equal(TenantClaimState.Saving, c.State));
            // A retry of the same release gets its failure again, not a 200 while the state is unsaved.
            var replay = await Assert.ThrowsAsync<BerthException>(() => tenant.Release(a, "release-a"));
            Assert.Equal(BerthErrorKind.Unavailable, replay.Kind);
            Assert.Contains("simulated sink outage", replay.Message);
        }
        finally
        {
            Runtime.FailArchiveReads = null;
        }

        await Eventually.Until(() => tenant.GetStatus(), s => s.Claims.All(c => c.State == TenantClaimState.Released), "both retried saves to complete their releases");
        Assert.Equal("state of a", Encoding.UTF8.GetString(Container((await tenant.Claim(a, null)).ContainerId!).Files["/data/a.txt"]));
        Assert.Equal("state of b", Encoding.UTF8.GetString(Container((await tenant.Claim(b, null)).ContainerId!).Files["/data/b.txt"]));
        await tenant.Release(a, null);
        await tenant.Release(b, null);
    }

    [Fact]
    public async Task A_save_failing_past_the_deadline_is_failed_with_its_reason_counts_toward_the_quota_and_an_admin_can_force_it()
    {
        var stuck = await RegisterAsync("stuck");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{stuck}");
        var claim = await tenant.Claim(stuck, null);
        Container(claim.ContainerId!).Files["/data/unsaved.txt"] = Encoding.UTF8.GetBytes("cannot be saved");

        Runtime.FailArchiveReads = "simulated sink outage";
        TenantStatus failed;
        try
        {
            await Assert.ThrowsAsync<BerthException>(() => tenant.Release(stuck, null));
            failed = await Eventually.Until(() => tenant.GetStatus(), s => s.Claims[0].State == TenantClaimState.Failed, "the release to fail past its deadline");
        }
        finally
        {
            Runtime.FailArchiveReads = null;
        }
        Assert.Contains("simulated sink outage", failed.Claims[0].Error);
        Assert.Contains("force=true", failed.Claims[0].Error);
        Assert.Contains(Runtime.Containers, c => c.Id == claim.ContainerId);
        Assert.Equal(BerthErrorKind.Conflict, (await Assert.ThrowsAsync<BerthException>(() => tenant.Claim(stuck, null))).Kind);

        // The kept container still counts toward the tenant's quota (3 in the fixture).
        var others = new[] { await RegisterAsync("quota-1"), await RegisterAsync("quota-2"), await RegisterAsync("quota-3") };
        await tenant.Claim(others[0], null);
        await tenant.Claim(others[1], null);
        Assert.Equal(BerthErrorKind.QuotaExceeded, (await Assert.ThrowsAsync<BerthException>(() => tenant.Claim(others[2], null))).Kind);

        var forced = await tenant.ForceRelease(stuck);
        Assert.Equal(TenantClaimState.Released, forced.State);
        Assert.Contains("without saving", forced.Error);
        Assert.DoesNotContain(Runtime.Containers, c => c.Id == claim.ContainerId);
        var fresh = await tenant.Claim(stuck, null);
        Assert.Null(fresh.RestoredFrom);
        foreach (var workload in others.Take(2).Append(stuck)) await tenant.Release(workload, null);
    }

    [Fact]
    public async Task A_spec_update_that_stops_syncing_a_snapshotted_path_is_refused_unless_forced_and_the_snapshot_stays()
    {
        var workload = $"moved-{Guid.NewGuid():N}"[..20];
        WorkloadSpec Spec(string mapping) => WorkloadSpecParser.ParseYaml(
            $"id: {workload}\nimage: {InMemoryClusterFixture.Image}\nvolumes:\n  state:\n    target: /data\npool:\n  min_size: 1\n  max_size: 4\nsync:\n  mappings: [{{path: {mapping}}}]\n");
        var catalog = _client.GetGrain<IWorkloadCatalogGrain>(0);
        await catalog.Upsert(Spec("keep"));
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var first = await tenant.Claim(workload, null);
        Container(first.ContainerId!).Files["/data/keep/notes.txt"] = Encoding.UTF8.GetBytes("kept");
        await tenant.Release(workload, null);

        var refused = await Eventually.Until(async () =>
        {
            try { await catalog.Upsert(Spec("other")); return null; }
            catch (BerthException ex) { return ex; }
        }, ex => ex is not null, "the update dropping a snapshotted path to be refused");
        Assert.Equal(BerthErrorKind.Conflict, refused!.Kind);
        Assert.Equal("sync.mappings", refused.Field);
        Assert.Contains("/data/keep", refused.Message);

        await catalog.Upsert(Spec("other"), force: true);
        var second = await tenant.Claim(workload, null);
        Assert.False(Container(second.ContainerId!).Files.ContainsKey("/data/keep/notes.txt"), "a path the spec no longer syncs is not restored");
        await tenant.Release(workload, null);

        // Back to the old path: its snapshot was carried through the release in between.
        await catalog.Upsert(Spec("keep"), force: true);
        var third = await tenant.Claim(workload, null);
        Assert.Equal("kept", Encoding.UTF8.GetString(Container(third.ContainerId!).Files["/data/keep/notes.txt"]));
        await tenant.Release(workload, null);
    }

    [Fact]
    public async Task A_release_that_fails_after_its_save_is_retried_by_Berth()
    {
        var workload = await RegisterAsync("aftersave");
        var tenant = _client.GetGrain<ITenantGrain>($"t-{workload}");
        var claim = await tenant.Claim(workload, null);
        Container(claim.ContainerId!).Files["/data/saved.txt"] = Encoding.UTF8.GetBytes("saved before the failure");

        Runtime.FailRemoves = "simulated engine hiccup";
        try
        {
            var ex = await Assert.ThrowsAsync<BerthException>(() => tenant.Release(workload, null));
            Assert.Equal(BerthErrorKind.Unavailable, ex.Kind);
            var status = Assert.Single((await tenant.GetStatus()).Claims);
            Assert.Equal(TenantClaimState.Releasing, status.State);
            Assert.Contains("the state is saved", status.Error);
            Assert.NotNull(status.LastSnapshotAt);
        }
        finally
        {
            Runtime.FailRemoves = null;
        }

        await Eventually.Until(() => tenant.GetStatus(), s => s.Claims[0].State == TenantClaimState.Released, "Berth to finish the release");
        Assert.DoesNotContain(Runtime.Containers, c => c.Id == claim.ContainerId);
        var again = await tenant.Claim(workload, null);
        Assert.Equal("saved before the failure", Encoding.UTF8.GetString(Container(again.ContainerId!).Files["/data/saved.txt"]));
        await tenant.Release(workload, null);
    }

    private string[] SnapshotFiles(string workload)
    {
        var directory = Path.Combine(fixture.SnapshotRoot, $"t-{workload}", workload);
        return Directory.Exists(directory) ? Directory.GetFiles(directory, "*.tar") : [];
    }

    private static List<string> EntryNames(string snapshotFile)
    {
        var names = new List<string>();
        using var reader = new System.Formats.Tar.TarReader(File.OpenRead(snapshotFile));
        while (reader.GetNextEntry() is { } entry) names.Add(entry.Name);
        return names;
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
