using Berth.Specs;

namespace Berth.Tenants;

/// <summary>How a claim's state is synced, fixed when the claim is made (the spec may change later).</summary>
[GenerateSerializer, Immutable]
public sealed record StateSync(
    [property: Id(0)] string? Target,
    [property: Id(1)] string Sink,
    [property: Id(2)] long MaxBytes,
    [property: Id(3)] bool RestoreOnClaim,
    [property: Id(4)] bool SaveOnRelease,
    [property: Id(5)] bool Manual,
    [property: Id(6)] TimeSpan? Periodic,
    [property: Id(7)] SyncedPath[]? Paths = null)
{
    /// <summary>The synced directories; a claim recorded before mappings existed syncs its state directory.</summary>
    public IReadOnlyList<SyncedPath> AllPaths =>
        Paths ?? (Target is null ? [] : [new SyncedPath(Target, Save: true, Restore: true, Accumulate: false)]);

    /// <summary>Null for a workload with nothing to sync.</summary>
    public static StateSync? From(WorkloadSpec spec)
    {
        var paths = SyncedPaths(spec);
        if (paths.Count == 0)
        {
            return null;
        }
        return new StateSync(
            spec.Volumes.StateTarget,
            spec.Sync?.Sink ?? "filesystem",
            spec.Sync?.MaxBytes ?? SyncSpec.DefaultMaxBytes,
            spec.Sync?.Policy.OnClaim ?? true,
            spec.Sync?.Policy.OnRelease ?? true,
            spec.Sync?.Policy.Manual ?? false,
            spec.Sync?.Policy.Periodic,
            [.. paths]);
    }

    /// <summary>
    /// <c>volumes.state.target</c> syncs both ways, whole (unless a mapping names it too), then
    /// each mapping as it says.
    /// </summary>
    public static List<SyncedPath> SyncedPaths(WorkloadSpec spec)
    {
        var paths = new List<SyncedPath>();
        var mappings = spec.Sync?.Mappings ?? [];
        if (spec.Volumes.StateTarget is { } target && mappings.All(m => m.Path != target))
        {
            paths.Add(new SyncedPath(target, Save: true, Restore: true, Accumulate: false));
        }
        foreach (var mapping in mappings)
        {
            paths.Add(new SyncedPath(
                mapping.Path,
                Save: mapping.Direction is "upload" or "bidirectional",
                Restore: mapping.Direction is "download" or "bidirectional",
                Accumulate: mapping.Mode == "copy"));
        }
        return paths;
    }
}
