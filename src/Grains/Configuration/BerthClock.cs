namespace Berth.Configuration;

/// <summary>
/// The clock Berth's grains read their deadlines from, registered as a keyed
/// <see cref="TimeProvider"/>. It is the silo's own clock unless a test registers a fake one
/// under <see cref="Key"/>: Orleans takes the unkeyed TimeProvider for its grain timers and
/// membership probes, so faking that one would stop the cluster, while faking this one moves only
/// Berth's deadlines (reservations, creates, claim waits) on without waiting for them.
/// </summary>
public static class BerthClock
{
    public const string Key = "berth";
}
