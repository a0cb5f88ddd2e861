namespace Berth.Contracts;

/// <summary>A snapshot object already in a sink, with the digest it was verified against when stored.</summary>
[GenerateSerializer, Immutable]
public sealed record StoredSnapshot(
    [property: Id(0)] SnapshotKey Key,
    [property: Id(1)] string Sink,
    [property: Id(2)] SnapshotDigest Digest);
