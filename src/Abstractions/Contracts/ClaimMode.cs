namespace Berth.Contracts;

/// <summary>What a claimed container is doing, as its tenant tells the pool (which keeps it in memory only).</summary>
public enum ClaimMode
{
    /// <summary>Running for its tenant.</summary>
    Active,
    /// <summary>Paused (by its tenant, the idle timeout, or kept after a release): under pressure the pool asks the tenant to let it go.</summary>
    Parked,
    /// <summary>Stopped by its owner on purpose: an exited container is not a lost one.</summary>
    Stopped,
}
