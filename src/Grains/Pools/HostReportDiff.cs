using Berth.Contracts;

namespace Berth.Pools;

/// <summary>What one host's report changes in a pool's books, for the grain to act on.</summary>
public sealed class HostReportDiff
{
    /// <summary>Idle members whose container is not serving (dead, unhealthy, gone): replace them.</summary>
    public List<(PoolMember Member, string Why)> IdleToReplace { get; } = [];

    /// <summary>Members being removed whose container is gone, though the host's answer never came: done.</summary>
    public List<PoolMember> RemovedUnheard { get; } = [];

    /// <summary>Claims whose container turned dead or vanished since the last report: tell their tenants.</summary>
    public List<(ClaimedMember Claim, string Why)> ClaimsLost { get; } = [];

    /// <summary>Containers of members the books do not know: ask their owner, or remove them as orphans.</summary>
    public List<ObservedContainer> Unknown { get; } = [];

    /// <summary>Containers of members the books removed (a create that failed half-way, a removal not yet listed): orphans for sure, not counted.</summary>
    public List<ObservedContainer> Leftovers { get; } = [];

    /// <summary>A second container under a known member's label: an orphan for sure.</summary>
    public List<ObservedContainer> Duplicates { get; } = [];

    /// <summary>Whether the stored counts changed (written with the next save; safe to lose, the next report corrects them).</summary>
    public bool CountsChanged { get; set; }
}
