using Berth.Specs;

namespace Berth.Pools;

/// <summary>The persisted books of one workload pool.</summary>
[GenerateSerializer, Alias("Berth.Pools.PoolState")]
public sealed class PoolState
{
    [Id(0)] public WorkloadSpec? Spec { get; set; }
    [Id(1)] public string Version { get; set; } = "";
    [Id(2)] public Dictionary<string, PoolMember> Members { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Set when the workload is deleted: the pool drains and hands out nothing.</summary>
    [Id(3)] public bool Retired { get; set; }
}
