namespace Berth.Contracts;

/// <summary>
/// A host's periodic report to one pool: whether the engine answered, and the pool's containers
/// on it as listed at <see cref="ListedAt"/>.
/// </summary>
[GenerateSerializer, Alias("Berth.Contracts.HostReport"), Immutable]
public sealed record HostReport(
    [property: Id(0)] string HostId,
    [property: Id(1)] DateTimeOffset ListedAt,
    /// <summary>False when new members should not be created there: the engine did not answer, or keeps failing creates.</summary>
    [property: Id(2)] bool Available,
    /// <summary>Why the host is unavailable, for the errors claims get meanwhile.</summary>
    [property: Id(3)] string? Problem,
    /// <summary>Null when the engine could not be listed: nothing can be concluded about containers.</summary>
    [property: Id(4)] ObservedContainer[]? Containers,
    /// <summary>
    /// When the reporting host grain was activated: background creates asked of it before then went
    /// to an activation that is gone (its silo died) and will never report.
    /// </summary>
    [property: Id(5)] DateTimeOffset? ActiveSince = null,
    /// <summary>
    /// The engine answered. A reachable host that is <see cref="Available"/> false (creates keep
    /// failing, egress unmanaged) takes no new members, but its healthy idle members still serve.
    /// </summary>
    [property: Id(6)] bool Reachable = true);
