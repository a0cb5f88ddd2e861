using Berth.Contracts;

namespace Berth.Workloads;

[GenerateSerializer, Alias("Berth.Workloads.CatalogState")]
public sealed class CatalogState
{
    [Id(0)] public Dictionary<string, WorkloadRecord> Workloads { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Per workload, the container paths some tenant has a snapshot of (reported by tenants), so
    /// that a spec update that would stop syncing one is refused unless forced.
    /// </summary>
    [Id(1)] public Dictionary<string, HashSet<string>> SnapshottedPaths { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Per workload, the tenants that reported snapshots of it: whom a purge asks to delete theirs.</summary>
    [Id(2)] public Dictionary<string, HashSet<string>> SnapshotTenants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Per deleted workload, the tenants whose snapshots a purge has not deleted yet (retried by the reminder).</summary>
    [Id(3)] public Dictionary<string, HashSet<string>> PendingPurges { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Container ports chosen for workloads declared without one (the environment's blank or 0 port), kept for good.</summary>
    [Id(4)] public Dictionary<string, int> AllocatedPorts { get; set; } = new(StringComparer.Ordinal);
}
