namespace Berth.Contracts;

public enum PoolMemberState
{
    /// <summary>Being created and started by its host; not yet handed out.</summary>
    Creating,
    /// <summary>Running (and healthy) and waiting for a claim.</summary>
    Idle,
    /// <summary>Owned by one tenant for good: a released member is destroyed, never handed on.</summary>
    Claimed,
    /// <summary>Being removed from Docker.</summary>
    Destroying,
    /// <summary>
    /// Claimed, but its container died or vanished. Never handed out; kept (stopped) until its
    /// tenant releases or claims again, so nothing of the tenant's is removed behind its back.
    /// </summary>
    Lost,
}
