namespace Berth.Tenants;

/// <summary>What happens to a tenant's claim; <see cref="TenantTransitions"/> says where each leads from where.</summary>
public enum TenantClaimEvent
{
    /// <summary>The pool had no idle member: one is created for this claim.</summary>
    CreateCold,
    /// <summary>The snapshot and secrets are being written into the new container.</summary>
    Restore,
    /// <summary>The container is the tenant's and ready.</summary>
    Ready,
    /// <summary>A claim step failed (or was interrupted); the member is given up.</summary>
    ClaimFailed,
    /// <summary>The tenant (or a time limit, the idle timeout, an eviction) releases the claim.</summary>
    Release,
    /// <summary>The release's snapshot is being taken.</summary>
    Save,
    /// <summary>The release's snapshot is stored (or there is nothing to save): the container goes next.</summary>
    Saved,
    /// <summary>A release step failed and is retried later; the state stays, with the error shown.</summary>
    RetryLater,
    /// <summary>The container is destroyed and the pool told: the claim is over.</summary>
    Finished,
    /// <summary>Released with <c>pool.keep_released</c>: the saved container is kept paused for this tenant only.</summary>
    Kept,
    /// <summary>The state cannot be saved (too large, unsafe) while the tenant still uses the container: it keeps it.</summary>
    SaveRefused,
    /// <summary>The release could not finish before its deadline; the container is kept for an admin or a new release.</summary>
    ReleaseFailed,
    /// <summary>The container or its host vanished.</summary>
    Lose,
    Pause,
    /// <summary>A paused (or kept) container is handed back to its tenant as it was.</summary>
    Resume,
    Stop,
    Start,
}
