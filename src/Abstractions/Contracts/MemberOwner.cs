namespace Berth.Contracts;

/// <summary>
/// Which tenant holds a pool member once the pool handed it out: the durable word a pool reads back
/// when a host reports a container of a member it no longer keeps in its own books.
/// </summary>
[GenerateSerializer, Alias("Berth.Contracts.MemberOwner"), Immutable]
public sealed record MemberOwner(
    [property: Id(0)] string TenantId,
    [property: Id(1)] RunningContainer Container,
    [property: Id(2)] ClaimSource Source,
    [property: Id(3)] DateTimeOffset ClaimedAt,
    /// <summary>
    /// Set when the tenant moved on while the container's host was down: the container still holds
    /// state newer than the tenant's snapshots, so when the host returns it is saved as a recovered
    /// snapshot before it is removed (never removed as an orphan meanwhile).
    /// </summary>
    [property: Id(4)] DateTimeOffset? StrandedSince = null);
