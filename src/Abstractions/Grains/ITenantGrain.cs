using Berth.Contracts;

namespace Berth.Grains;

/// <summary>One tenant (key: tenant id): the claim and release lifecycle of its containers, one per workload.</summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Idempotent: claiming a workload the tenant already holds returns the same container.</summary>
    Task<TenantClaimView> Claim(string workload);

    /// <summary>Destroys the tenant's container of <paramref name="workload"/> (or its only one when null).</summary>
    Task<TenantClaimView> Release(string? workload);

    Task<TenantStatus> GetStatus();
}
