namespace Berth.Tenants;

[GenerateSerializer, Alias("Berth.Tenants.TenantState")]
public sealed class TenantState
{
    /// <summary>One record per workload the tenant has ever claimed.</summary>
    [Id(0)] public Dictionary<string, TenantClaimRecord> Claims { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Verified snapshots per workload, newest last; the newest is restored on the next claim.</summary>
    [Id(1)] public Dictionary<string, List<SnapshotRecord>> Snapshots { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Secrets by name, sealed with AES-GCM (see SecretProtector); never stored or returned in clear.</summary>
    [Id(2)] public Dictionary<string, byte[]> Secrets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>States saved from containers of a host that came back after the tenant had moved on; never restored by themselves.</summary>
    [Id(3)] public List<RecoveredSnapshotRecord> Recovered { get; set; } = [];
}
