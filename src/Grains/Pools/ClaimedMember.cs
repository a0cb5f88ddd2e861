using Berth.Contracts;

namespace Berth.Pools;

/// <summary>A claimed member as the pool's memory knows it, to notice from host reports when its container dies.</summary>
public sealed class ClaimedMember
{
    public required string MemberId { get; init; }
    public required string TenantId { get; init; }
    public required RunningContainer Container { get; init; }
    public ClaimSource Source { get; init; }
    public DateTimeOffset Since { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public string SpecVersion { get; init; } = "";
    /// <summary>Set once a host report showed its container dead or gone; the tenant was told.</summary>
    public DateTimeOffset? LostSince { get; set; }
    /// <summary>Host reports in a row that did not list its container.</summary>
    public int Misses { get; set; }

    public string HostId => Container.HostId;
}
