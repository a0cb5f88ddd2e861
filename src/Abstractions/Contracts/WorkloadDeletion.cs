namespace Berth.Contracts;

/// <summary>
/// What <c>DELETE /workloads/{id}</c> did. With <c>purge</c>: how many snapshots went, and the
/// tenants whose snapshots could not be deleted yet (retried every minute until they are).
/// </summary>
[GenerateSerializer, Alias("Berth.Contracts.WorkloadDeletion"), Immutable]
public sealed record WorkloadDeletion(
    [property: Id(0)] string Workload,
    [property: Id(1)] bool Purged,
    [property: Id(2)] int PurgedSnapshots,
    [property: Id(3)] string[] PendingTenants);
