using Berth.Contracts;

namespace Berth.Tenants;

/// <summary>
/// A complete, verified snapshot of a tenant's state of one workload: one part per synced
/// directory. <see cref="Digest"/> sums the parts (its hash is over the parts' hashes).
/// </summary>
[GenerateSerializer, Alias("Berth.Tenants.SnapshotRecord"), Immutable]
public sealed record SnapshotRecord(
    [property: Id(0)] string SnapshotId,
    [property: Id(1)] string Sink,
    [property: Id(2)] SnapshotDigest Digest,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] SnapshotPart[]? Parts = null)
{
    /// <summary>
    /// The parts; a snapshot recorded before mappings existed is one part, the state directory,
    /// stored under the snapshot's own id.
    /// </summary>
    public IReadOnlyList<SnapshotPart> PartsOr(string? stateTarget) =>
        Parts ?? (stateTarget is null ? [] : [new SnapshotPart(stateTarget, Sink, SnapshotId, Digest)]);
}
