namespace Berth.Contracts;

/// <summary>The lifecycle of one tenant's claim on one workload.</summary>
public enum TenantClaimState
{
    Released,
    Claiming,
    Restoring,
    Claimed,
    Releasing,
    Saving,
    /// <summary>The container vanished behind Berth's back; the next claim gets a fresh one.</summary>
    Lost,
    /// <summary>A step failed; <see cref="TenantClaimView.Error"/> says which and the tenant may retry.</summary>
    Failed,
}
