namespace Berth.Configuration;

/// <summary>The stored event log (section <c>Berth:Events</c>).</summary>
public sealed class EventOptions
{
    /// <summary>Events older than this are pruned.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>At most this many events are kept (the oldest go first), whatever their age.</summary>
    public long MaxRows { get; set; } = 1_000_000;

    /// <summary>How often each silo prunes (pruning on several silos at once is harmless).</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How often a waiting reader looks for events other silos stored (this silo's own wake it at once).
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}
