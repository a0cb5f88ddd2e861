using Berth.Contracts;
using Berth.Specs;

namespace Berth.Grains;

/// <summary>The registry of workloads (a single grain, key 0).</summary>
[Alias("Berth.Grains.IWorkloadCatalogGrain")]
public interface IWorkloadCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Registers or updates a workload; the second value is true when it was new.</summary>
    [Alias("Upsert")]
    Task<(WorkloadRecord Record, bool Created)> Upsert(WorkloadSpec spec);

    [Alias("Get")]
    Task<WorkloadRecord?> Get(string id);

    [Alias("List")]
    Task<WorkloadRecord[]> List();

    /// <summary>Removes a workload; refused (409) while any tenant holds one of its containers.</summary>
    [Alias("Delete")]
    Task Delete(string id);
}
