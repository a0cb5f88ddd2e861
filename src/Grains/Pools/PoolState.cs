using Berth.Specs;

namespace Berth.Pools;

/// <summary>
/// The persisted books of one workload pool: members it keeps (creating, idle, being destroyed),
/// claims handed out but not yet confirmed, and counts of the claimed. Nothing here grows with
/// the number of tenants, so a claim's write stays small (see <see cref="PoolBooks"/>).
/// </summary>
[GenerateSerializer, Alias("Berth.Pools.PoolState")]
public sealed class PoolState
{
    [Id(0)] public WorkloadSpec? Spec { get; set; }
    [Id(1)] public string Version { get; set; } = "";
    /// <summary>
    /// Members the pool keeps. Before the claimed ones moved to their tenants, this held them too
    /// (state Claimed or Lost); <see cref="PoolBooks"/> turns such stored members into handoffs.
    /// </summary>
    [Id(2)] public Dictionary<string, PoolMember> Members { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Set when the workload is deleted: the pool drains and hands out nothing.</summary>
    [Id(3)] public bool Retired { get; set; }
    /// <summary>Handed out, not yet confirmed by the tenant, by member id.</summary>
    [Id(4)] public Dictionary<string, PoolHandoff> Handoffs { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Claimed containers per host (confirmed or not), for max_size and host choice; corrected by every host report.</summary>
    [Id(5)] public Dictionary<string, int> ClaimedByHost { get; set; } = new(StringComparer.Ordinal);
}
