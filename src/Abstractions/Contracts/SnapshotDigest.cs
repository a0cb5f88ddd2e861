namespace Berth.Contracts;

/// <summary>What a snapshot is: its SHA-256 over the stored bytes, its stored size, its content size and entry count.</summary>
[GenerateSerializer, Immutable]
public sealed record SnapshotDigest(
    [property: Id(0)] string Sha256,
    [property: Id(1)] long StoredBytes,
    [property: Id(2)] long ContentBytes,
    [property: Id(3)] int Entries);
