using Berth.Specs;

namespace Berth.Contracts;

/// <summary>
/// A snapshot object already in a sink, with the digest it was verified against when stored.
/// <see cref="Location"/> is the workload's own s3 setting it was written with; null for the cluster's sink.
/// </summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.StoredSnapshot")]
public sealed record StoredSnapshot(
    [property: Id(0)] SnapshotKey Key,
    [property: Id(1)] string Sink,
    [property: Id(2)] SnapshotDigest Digest,
    [property: Id(3)] SinkLocation? Location = null);
