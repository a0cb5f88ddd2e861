using Berth.Contracts;

namespace Berth.Pools;

/// <summary>
/// A member the pool handed to a tenant that has not yet said it recorded the claim. Kept in the
/// pool's state only until then, so these are as many as the claims in flight, never as many as
/// the tenants: once confirmed, the claim lives in the tenant's record (and its member's owner).
/// </summary>
[GenerateSerializer, Alias("Berth.Pools.PoolHandoff")]
public sealed class PoolHandoff
{
    [Id(0)] public required string MemberId { get; init; }
    [Id(1)] public required string TenantId { get; init; }
    [Id(2)] public required RunningContainer Container { get; init; }
    [Id(3)] public ClaimSource Source { get; init; }
    [Id(4)] public DateTimeOffset ReservedAt { get; init; }
    [Id(5)] public string SpecVersion { get; init; } = "";
    [Id(6)] public DateTimeOffset CreatedAt { get; init; }
}
