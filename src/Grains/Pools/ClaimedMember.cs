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

    /// <summary>What its tenant last said it does (paused, stopped), and since when.</summary>
    public ClaimMode Mode { get; set; }
    public DateTimeOffset ModeSince { get; set; }
    /// <summary>Set once the pool asked its tenant to let a parked container go (pressure); asked again only after a while.</summary>
    public DateTimeOffset? YieldAskedAt { get; set; }

    public string HostId => Container.HostId;
}
