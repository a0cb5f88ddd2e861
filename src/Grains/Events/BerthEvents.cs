using Berth.Contracts;

namespace Berth.Events;

/// <summary>Shorthands for building an event draft (sequence and time are the store's).</summary>
public static class BerthEvents
{
    public static BerthEvent Draft(BerthEventType type, string? tenantId, string? workload, RunningContainer? container = null,
        string? reason = null, ClaimSource? source = null, string? hostId = null) =>
        new(0, default, type, tenantId, workload, hostId ?? container?.HostId, container?.ContainerId, reason, source);
}
