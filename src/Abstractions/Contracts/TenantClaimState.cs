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
    /// <summary>Frozen by its tenant (docker pause) or by the idle timeout; a claim or resume unpauses it with no restore.</summary>
    Paused,
    /// <summary>Stopped by its owner; the container and its files are kept until it is started, claimed or released.</summary>
    Stopped,
}
