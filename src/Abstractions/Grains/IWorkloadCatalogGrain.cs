using Berth.Contracts;
using Berth.Specs;

namespace Berth.Grains;

/// <summary>The registry of workloads (a single grain, key 0).</summary>
[Alias("Berth.Grains.IWorkloadCatalogGrain")]
public interface IWorkloadCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Registers or updates a workload; the second value is true when it was new.</summary>
    /// <remarks>
    /// An update that stops syncing a path some tenant has a snapshot of (a mapping dropped or
    /// moved, another state target) is refused (409) unless <paramref name="force"/>; forced, the
    /// snapshots of that path are kept, not restored, and restored again should the path return.
    /// </remarks>
    [Alias("Upsert")]
    Task<(WorkloadRecord Record, bool Created)> Upsert(WorkloadSpec spec, bool force = false);

    /// <summary>
    /// A tenant's word that it now holds snapshots of these container paths of the workload; the
    /// catalog also keeps <paramref name="tenantId"/> as one whose snapshots a purge must delete.
    /// </summary>
    [Alias("ReportSnapshottedPaths")]
    Task ReportSnapshottedPaths(string workload, string[] paths, string? tenantId = null);

    [Alias("Get")]
    Task<WorkloadRecord?> Get(string id);

    [Alias("List")]
    Task<WorkloadRecord[]> List();

    /// <summary>
    /// Removes a workload; refused (409) while any tenant holds one of its containers. With
    /// <paramref name="purge"/>, every tenant known to hold snapshots of it deletes them; one that
    /// cannot now is retried every minute (and the id cannot be registered again until it is done).
    /// </summary>
    [ResponseTimeout("00:10:00")]
    [Alias("Delete")]
    Task<WorkloadDeletion> Delete(string id, bool purge = false);
}
