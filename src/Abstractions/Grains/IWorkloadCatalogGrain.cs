using Berth.Contracts;
using Berth.Specs;

namespace Berth.Grains;

/// <summary>The registry of workloads (a single grain, key 0).</summary>
public interface IWorkloadCatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Registers or updates a workload; the second value is true when it was new.</summary>
    Task<(WorkloadRecord Record, bool Created)> Upsert(WorkloadSpec spec);

    Task<WorkloadRecord?> Get(string id);

    Task<WorkloadRecord[]> List();

    /// <summary>Removes a workload; refused (409) while any tenant holds one of its containers.</summary>
    Task Delete(string id);
}
