using Berth.Configuration;
using Berth.Contracts;
using Berth.Grains;
using Berth.State;

namespace Berth.Tenants;

/// <summary>
/// A tenant's snapshots: taking them from a container (stored and verified before they are
/// recorded), keeping the newest few, and deleting what no kept snapshot still uses. Plain class:
/// the tenant grain gives it its state, its grain factory and its way to persist.
/// </summary>
public sealed class TenantSnapshots(
    string tenantId,
    Func<TenantState> state,
    SnapshotSinks sinks,
    IGrainFactory grains,
    BerthOptions options,
    ILogger logger,
    TimeProvider clock,
    Func<Task> persist,
    Events.IBerthEventPublisher events)
{
    private TenantState State => state();

    /// <summary>The newest verified snapshot of a workload: the one the next claim restores.</summary>
    public SnapshotRecord? Latest(string workload) =>
        State.Snapshots.TryGetValue(workload, out var list) && list.Count > 0 ? list[^1] : null;

    /// <summary>Saves a container the tenant moved on from as a recovered snapshot (never restored by itself).</summary>
    public async Task<string> SaveRecoveredAsync(string workload, StateSync sync, RunningContainer container)
    {
        var snapshotId = NewSnapshotId();
        var (parts, _) = await SavePartsAsync(workload, sync, container, snapshotId, Latest(workload)?.PartsOr(sync.Target) ?? []);
        var now = clock.GetUtcNow();
        State.Recovered.Add(new RecoveredSnapshotRecord(snapshotId, workload, container.HostId, container.ContainerId, now, now + options.RecoveredSnapshotRetention, Summarize(parts), [.. parts]));
        await persist();
        return snapshotId;
    }

    /// <summary>
    /// Snapshots the container's synced paths into the sink, and records the snapshot only once
    /// every part is stored and verified. A path that is not saved (direction download) carries
    /// its previous part forward. Older snapshots beyond the kept count go afterwards, except the
    /// parts a kept snapshot still shares.
    /// </summary>
    public async Task TakeAsync(TenantClaimRecord record, StateSync sync, RunningContainer container)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var snapshotId = NewSnapshotId();
        var previous = Latest(record.Workload)?.PartsOr(sync.Target) ?? [];
        var (parts, written) = await SavePartsAsync(record.Workload, sync, container, snapshotId, previous);
        // Parts of paths the spec no longer syncs (an update forced past the catalog's check) are
        // kept: not restored, but there again should the path come back.
        parts.AddRange(previous.Where(p => sync.AllPaths.All(x => x.Key != p.Path)));
        var history = State.Snapshots.TryGetValue(record.Workload, out var list) ? list : State.Snapshots[record.Workload] = [];
        history.Add(new SnapshotRecord(snapshotId, sync.Sink, Summarize(parts), clock.GetUtcNow(), [.. parts]));
        var expired = history.Take(Math.Max(0, history.Count - Math.Max(1, options.Snapshots.Keep))).ToList();
        history.RemoveRange(0, expired.Count);
        if (!record.PathsReported)
        {
            try
            {
                await grains.GetGrain<IWorkloadCatalogGrain>(0).ReportSnapshottedPaths(record.Workload, [.. written.Select(p => p.Path)], tenantId);
                record.PathsReported = true;
            }
            catch (Exception ex)
            {
                // Reported again with the next snapshot of this claim.
                logger.LogWarning("Could not tell the catalog which paths tenant {Tenant} has snapshots of: {Error}", tenantId, ex.Message);
            }
        }
        await persist();
        Telemetry.BerthMetrics.Snapshotted(record.Workload, Summarize(parts).ContentBytes, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        events.Publish(Events.BerthEvents.Draft(BerthEventType.Saved, tenantId, record.Workload, container, $"snapshot {snapshotId}, {Summarize(parts).ContentBytes} bytes"));
        // A part a recovered snapshot carried forward (a path it did not save) stays while that one is kept.
        var kept = history.SelectMany(h => h.PartsOr(sync.Target)).Concat(State.Recovered.SelectMany(r => r.Parts))
            .Select(p => (p.Sink, p.ObjectId)).ToHashSet();
        await DeletePartsAsync(record.Workload, expired.SelectMany(e => e.PartsOr(sync.Target)).Where(p => !kept.Contains((p.Sink, p.ObjectId))));
    }

    public string NewSnapshotId() => $"{clock.GetUtcNow():yyyyMMddTHHmmssfff}-{Guid.NewGuid():N}"[..32];

    /// <summary>
    /// Stores and verifies one part per synced path of the container; a path not saved (direction
    /// download) carries its previous part forward. Nothing is recorded here: on failure the parts
    /// already written are deleted and the error goes on.
    /// </summary>
    public async Task<(List<SnapshotPart> Parts, List<SnapshotPart> Written)> SavePartsAsync(
        string workload, StateSync sync, RunningContainer container, string snapshotId, IReadOnlyList<SnapshotPart> previous)
    {
        var host = grains.GetGrain<IAgentHostGrain>(container.HostId);
        var parts = new List<SnapshotPart>();
        var written = new List<SnapshotPart>();
        try
        {
            var paths = sync.AllPaths;
            for (var i = 0; i < paths.Count; i++)
            {
                var path = paths[i];
                var before = previous.FirstOrDefault(p => p.Path == path.Key);
                if (!path.Save)
                {
                    if (before is not null) parts.Add(before);
                    continue;
                }
                var objectId = $"{snapshotId}-{i}";
                var budget = Math.Max(0, sync.MaxBytes - parts.Sum(p => p.Digest.ContentBytes));
                var addTo = path.Accumulate && before is not null ? Stored(workload, before) : null;
                var digest = await host.SaveSnapshot(ContainerOf(container, path), path.Path, new SnapshotKey(tenantId, workload, objectId), sync.Sink, sync.Location, budget, addTo);
                var part = new SnapshotPart(path.Key, sync.Sink, objectId, digest, sync.Location);
                written.Add(part);
                parts.Add(part);
            }
        }
        catch
        {
            // Parts of a snapshot never recorded are unreachable: remove them now.
            await DeletePartsAsync(workload, written);
            throw;
        }
        return (parts, written);
    }

    /// <summary>The container that holds <paramref name="path"/>: in a stack, its service's.</summary>
    public static string ContainerOf(RunningContainer container, SyncedPath path) =>
        container.ContainerIdOf(path.Service) ?? throw new InvalidOperationException($"the stack has no service '{path.Service}' for the synced path {path.Path}");

    public StoredSnapshot Stored(string workload, SnapshotPart part) =>
        new(new SnapshotKey(tenantId, workload, part.ObjectId), part.Sink, part.Digest, part.Location);

    /// <summary>A snapshot's totals; its hash is over its parts' hashes, so it changes when any part does.</summary>
    public static SnapshotDigest Summarize(IReadOnlyList<SnapshotPart> parts) => new(
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes(string.Join('\n', parts.Select(p => $"{p.Path}={p.Digest.Sha256}"))))),
        parts.Sum(p => p.Digest.StoredBytes),
        parts.Sum(p => p.Digest.ContentBytes),
        parts.Sum(p => p.Digest.Entries));

    public async Task DeletePartsAsync(string workload, IEnumerable<SnapshotPart> parts)
    {
        foreach (var part in parts.Distinct())
        {
            try
            {
                await sinks.Get(part.Sink, part.Location).DeleteAsync(new SnapshotKey(tenantId, workload, part.ObjectId), CancellationToken.None);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Could not delete snapshot object {Object} of tenant {Tenant}", part.ObjectId, tenantId);
            }
        }
    }


    /// <summary>
    /// Every snapshot of <paramref name="workload"/>, kept and recovered, leaves the records (stored
    /// first, so none is restored once the purge began) and then the sinks. Answers how many went.
    /// </summary>
    public async Task<int> PurgeAsync(string workload)
    {
        var kept = State.Snapshots.Remove(workload, out var history) ? history : [];
        var recovered = State.Recovered.Where(r => r.Workload == workload).ToList();
        if (kept.Count + recovered.Count == 0) return 0;
        State.Recovered.RemoveAll(r => r.Workload == workload);
        await persist();
        // A record from before mappings is one part under its own id: the path does not matter for a delete.
        await DeletePartsAsync(workload, kept.SelectMany(r => r.PartsOr("/")).Concat(recovered.SelectMany(r => r.Parts)));
        logger.LogInformation("Tenant {Tenant}: {Count} snapshots of {Workload} purged", tenantId, kept.Count + recovered.Count, workload);
        return kept.Count + recovered.Count;
    }

    /// <summary>Recovered snapshots past their retention go, with their stored parts (at activation and with each new one).</summary>
    public async Task PruneRecoveredAsync()
    {
        var expired = State.Recovered.Where(r => r.ExpiresAt <= clock.GetUtcNow()).ToList();
        if (expired.Count == 0) return;
        State.Recovered.RemoveAll(r => r.ExpiresAt <= clock.GetUtcNow());
        await persist();
        var kept = State.Snapshots.Values.SelectMany(h => h).SelectMany(h => h.Parts ?? []).Select(p => (p.Sink, p.ObjectId))
            .Concat(State.Recovered.SelectMany(r => r.Parts).Select(p => (p.Sink, p.ObjectId))).ToHashSet();
        foreach (var group in expired.GroupBy(r => r.Workload))
        {
            await DeletePartsAsync(group.Key, group.SelectMany(r => r.Parts).Where(p => !kept.Contains((p.Sink, p.ObjectId))));
        }
    }
}
