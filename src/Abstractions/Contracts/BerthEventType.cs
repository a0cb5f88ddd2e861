namespace Berth.Contracts;

/// <summary>A lifecycle change Berth reports as an event (the API writes them in snake_case).</summary>
public enum BerthEventType
{
    /// <summary>A tenant was handed a container (warm, cold or queued; see <see cref="BerthEvent.Source"/>).</summary>
    Claimed,
    /// <summary>A paused or kept container was handed back to its tenant with no restore.</summary>
    Resumed,
    Paused,
    /// <summary>The owner stopped the container; it and its files are kept.</summary>
    Stopped,
    /// <summary>The owner started a stopped container again.</summary>
    Started,
    /// <summary>The container or its host vanished behind Berth's back.</summary>
    Lost,
    /// <summary>A snapshot of the tenant's state was stored and verified.</summary>
    Saved,
    Released,
    /// <summary>A step failed; <see cref="BerthEvent.Reason"/> says which.</summary>
    Failed,
    /// <summary>The claim's time limit ran out (ttl, pool.max_claim_duration) or it sat idle; it is released next.</summary>
    Expired,
    /// <summary>A Docker host stopped answering (no tenant or workload).</summary>
    HostDown,
}
