namespace Berth.Contracts;

/// <summary>Where one snapshot of one tenant's state of one workload lives in a sink.</summary>
[GenerateSerializer, Alias("Berth.Contracts.SnapshotKey"), Immutable]
public sealed record SnapshotKey(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string Workload,
    [property: Id(2)] string SnapshotId)
{
    public override string ToString() => $"{TenantId}/{Workload}/{SnapshotId}";
}
