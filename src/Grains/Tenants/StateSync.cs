using Berth.Specs;

namespace Berth.Tenants;

/// <summary>How a claim's state is synced, fixed when the claim is made (the spec may change later).</summary>
[GenerateSerializer, Immutable]
public sealed record StateSync(
    [property: Id(0)] string Target,
    [property: Id(1)] string Sink,
    [property: Id(2)] long MaxBytes,
    [property: Id(3)] bool RestoreOnClaim,
    [property: Id(4)] bool SaveOnRelease,
    [property: Id(5)] bool Manual,
    [property: Id(6)] TimeSpan? Periodic)
{
    /// <summary>Null for a workload without a state directory: nothing to save or restore.</summary>
    public static StateSync? From(WorkloadSpec spec) => spec.Volumes.StateTarget is { } target
        ? new StateSync(
            target,
            spec.Sync?.Sink ?? "filesystem",
            spec.Sync?.MaxBytes ?? SyncSpec.DefaultMaxBytes,
            spec.Sync?.Policy.OnClaim ?? true,
            spec.Sync?.Policy.OnRelease ?? true,
            spec.Sync?.Policy.Manual ?? false,
            spec.Sync?.Policy.Periodic)
        : null;
}
