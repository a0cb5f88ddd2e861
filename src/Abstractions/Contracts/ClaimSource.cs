namespace Berth.Contracts;

public enum ClaimSource
{
    /// <summary>Handed an idle pre-warmed member: no Docker call on the claim path.</summary>
    Warm,
    /// <summary>The pool had no idle member, so one was created for this claim.</summary>
    Cold,
    /// <summary>The claim waited in line and took the next member that became ready (pool.claim_wait).</summary>
    Queued,
    /// <summary>The tenant's own paused (or kept) container was unpaused: no create, no restore.</summary>
    Resumed,
}
