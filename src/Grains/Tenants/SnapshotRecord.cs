using Berth.Contracts;

namespace Berth.Tenants;

/// <summary>A complete, verified snapshot of a tenant's state of one workload.</summary>
[GenerateSerializer, Immutable]
public sealed record SnapshotRecord(
    [property: Id(0)] string SnapshotId,
    [property: Id(1)] string Sink,
    [property: Id(2)] SnapshotDigest Digest,
    [property: Id(3)] DateTimeOffset CreatedAt);
