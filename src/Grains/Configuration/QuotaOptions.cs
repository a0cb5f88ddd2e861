namespace Berth.Configuration;

/// <summary>Limits per tenant (section <c>Berth:Quotas</c>); per-workload claim rates are the spec's <c>pool.claims_per_minute</c>.</summary>
public sealed class QuotaOptions
{
    /// <summary>Containers one tenant may hold at once, over all workloads; a claim beyond it is 429.</summary>
    public int MaxClaimsPerTenant { get; set; } = 10;
}
