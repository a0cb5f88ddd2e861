using Berth.Contracts;
using Berth.Specs;

namespace Berth.Tenants;

/// <summary>
/// The stored content of one synced path within a snapshot; several snapshots may share a part.
/// <see cref="Location"/> is where a workload with its own s3 settings wrote it (null: the cluster's sink).
/// </summary>
[GenerateSerializer, Immutable, Alias("Berth.Tenants.SnapshotPart")]
public sealed record SnapshotPart(
    [property: Id(0)] string Path,
    [property: Id(1)] string Sink,
    [property: Id(2)] string ObjectId,
    [property: Id(3)] SnapshotDigest Digest,
    [property: Id(4)] SinkLocation? Location = null);
