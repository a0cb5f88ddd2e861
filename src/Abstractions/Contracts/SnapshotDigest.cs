namespace Berth.Contracts;

/// <summary>
/// What a snapshot is: its SHA-256 over the stored bytes, its stored size, its content size and
/// entry count. <see cref="SingleFile"/> marks a part that holds one file (a mapping such as
/// <c>config.json</c>) rather than the entries of a directory.
/// </summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.SnapshotDigest")]
public sealed record SnapshotDigest(
    [property: Id(0)] string Sha256,
    [property: Id(1)] long StoredBytes,
    [property: Id(2)] long ContentBytes,
    [property: Id(3)] int Entries,
    [property: Id(4)] bool SingleFile = false);
