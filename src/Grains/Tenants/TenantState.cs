namespace Berth.Tenants;

[GenerateSerializer]
public sealed class TenantState
{
    /// <summary>One record per workload the tenant has ever claimed.</summary>
    [Id(0)] public Dictionary<string, TenantClaimRecord> Claims { get; set; } = new(StringComparer.Ordinal);
}
