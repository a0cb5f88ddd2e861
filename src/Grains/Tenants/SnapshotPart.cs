using Berth.Contracts;

namespace Berth.Tenants;

/// <summary>The stored content of one synced directory within a snapshot; several snapshots may share a part.</summary>
[GenerateSerializer, Immutable]
public sealed record SnapshotPart(
    [property: Id(0)] string Path,
    [property: Id(1)] string Sink,
    [property: Id(2)] string ObjectId,
    [property: Id(3)] SnapshotDigest Digest);
