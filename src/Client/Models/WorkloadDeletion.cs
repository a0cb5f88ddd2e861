namespace Berth.Client.Models;

/// <summary>
/// What <c>DELETE /workloads/{id}</c> did. With <c>purge</c> or <c>force</c> the gateway tells it: the snapshots deleted,
/// the tenants whose sink did not answer yet (retried), the tenants whose containers were released first.
/// A plain delete answers nothing more than that it went (<see cref="Detailed"/> false).
/// </summary>
public sealed record WorkloadDeletion(string Workload, bool Purged, int PurgedSnapshots, string[] PendingTenants, string[] ReleasedTenants)
{
    /// <summary>True when the gateway answered the details (a delete with purge or force); false for a plain 204.</summary>
    public bool Detailed { get; init; } = true;
}
