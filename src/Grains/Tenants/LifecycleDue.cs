namespace Berth.Tenants;

/// <summary>A time-driven step of a claim's lifecycle.</summary>
public enum LifecycleDue
{
    /// <summary>Its ttl or pool.max_claim_duration ran out: release, state saved.</summary>
    Expire,
    /// <summary>No activity for pool.claim_idle_timeout: release or pause (pool.on_idle).</summary>
    Idle,
    /// <summary>Time to look whether a file under the state directory changed within pool.file_idle_ttl.</summary>
    FileCheck,
    /// <summary>Paused longer than pool.pause_timeout: release, state saved.</summary>
    PauseOver,
    /// <summary>A released container kept for its tenant passed pool.keep_released: destroy it.</summary>
    KeptOver,
}
