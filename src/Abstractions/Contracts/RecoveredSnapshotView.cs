namespace Berth.Contracts;

/// <summary>A recovered snapshot in a tenant's status (see the tenant grain's RecoverContainer).</summary>
[GenerateSerializer, Alias("Berth.Contracts.RecoveredSnapshotView"), Immutable]
public sealed record RecoveredSnapshotView(
    [property: Id(0)] string SnapshotId,
    [property: Id(1)] string Workload,
    [property: Id(2)] string HostId,
    [property: Id(3)] string ContainerId,
    [property: Id(4)] DateTimeOffset SavedAt,
    [property: Id(5)] DateTimeOffset ExpiresAt,
    [property: Id(6)] long Bytes);
