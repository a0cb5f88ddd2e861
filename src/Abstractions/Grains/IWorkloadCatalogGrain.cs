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
    /// <param name="source">Where the spec comes from (<see cref="WorkloadRecord.Source"/>); null keeps the record's own.</param>
    [Alias("Upsert")]
    Task<(WorkloadRecord Record, bool Created)> Upsert(WorkloadSpec spec, bool force = false, string? source = null);

    /// <summary>
    /// A tenant's word that it now holds snapshots of these container paths of the workload; the
    /// catalog also keeps <paramref name="tenantId"/> as one whose snapshots a purge must delete.
    /// </summary>
    [Alias("ReportSnapshottedPaths")]
    Task ReportSnapshottedPaths(string workload, string[] paths, string? tenantId = null);

    /// <summary>
    /// The container port allocated to <paramref name="workload"/>: chosen once (the lowest from
    /// <see cref="FirstAllocatedPort"/> that no other workload was given) and the same ever after.
    /// </summary>
    [Alias("AllocatePort")]
    Task<int> AllocatePort(string workload);

    public const int FirstAllocatedPort = 8080;

    /// <summary>
    /// Retires a workload gently: its pool takes no claim and lets its idle members go at once, its
    /// tenants keep their containers until they release them, and the workload is deleted once none
    /// is held (checked now and every minute). Registering it again stops the retirement. True when
    /// it is already deleted.
    /// </summary>
    [Alias("Retire")]
    Task<bool> Retire(string id);

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
