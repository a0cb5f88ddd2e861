using Berth.Contracts;

namespace Berth.Tenants;

/// <summary>
/// The state of a container the tenant had moved on from while its host was down, saved when the
/// host came back: newer than what the tenant's next claim restored, so it is kept (for
/// <c>Berth:RecoveredSnapshotRetention</c>) for the tenant to look at, never silently dropped.
/// </summary>
[GenerateSerializer, Alias("Berth.Tenants.RecoveredSnapshotRecord"), Immutable]
public sealed record RecoveredSnapshotRecord(
    [property: Id(0)] string SnapshotId,
    [property: Id(1)] string Workload,
    [property: Id(2)] string HostId,
    [property: Id(3)] string ContainerId,
    [property: Id(4)] DateTimeOffset SavedAt,
    [property: Id(5)] DateTimeOffset ExpiresAt,
    [property: Id(6)] SnapshotDigest Digest,
    [property: Id(7)] SnapshotPart[] Parts)
{
    public RecoveredSnapshotView ToView() => new(SnapshotId, Workload, HostId, ContainerId, SavedAt, ExpiresAt, Digest.ContentBytes);
}
