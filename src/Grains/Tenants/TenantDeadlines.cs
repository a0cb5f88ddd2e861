using Berth.Contracts;

namespace Berth.Tenants;

/// <summary>
/// When each time-driven step of a claim is due, from its record alone (plain, tested without a
/// cluster). The grain arms one timer for the earliest and runs what is due when it fires.
/// </summary>
public static class TenantDeadlines
{
    /// <summary>How often the state directory is looked at, as a share of pool.file_idle_ttl (at least every 5 s).</summary>
    public static TimeSpan FileCheckInterval(TimeSpan ttl) => ttl / 4 > TimeSpan.FromSeconds(5) ? ttl / 4 : TimeSpan.FromSeconds(5);

    /// <param name="lastActivity">The tenant's last use of the claim (proxy, exec, API calls, touch), if known.</param>
    /// <param name="lastFileCheck">When the state directory was last found changed (or looked at), if ever in this activation.</param>
    public static IEnumerable<(DateTimeOffset At, LifecycleDue Due)> Of(TenantClaimRecord record, DateTimeOffset? lastActivity, DateTimeOffset? lastFileCheck)
    {
        var life = record.Lifecycle;
        switch (record.State)
        {
            case TenantClaimState.Claimed:
                if (record.ExpiresAt is { } expires) yield return (expires, LifecycleDue.Expire);
                if (life?.IdleTimeout is { } idle)
                {
                    var since = lastActivity is { } active && active > record.StateSince ? active : record.StateSince;
                    yield return (since + idle, LifecycleDue.Idle);
                }
                if (life?.FileIdleTtl is { } ttl && life.StateTarget is not null)
                {
                    yield return (lastFileCheck is { } checkedAt && checkedAt > record.StateSince
                        ? checkedAt + FileCheckInterval(ttl)
                        : record.StateSince + ttl, LifecycleDue.FileCheck);
                }
                break;
            case TenantClaimState.Paused:
                if (record.ExpiresAt is { } pausedExpires) yield return (pausedExpires, LifecycleDue.Expire);
                if (life?.PauseTimeout is { } pause) yield return (record.StateSince + pause, LifecycleDue.PauseOver);
                break;
            case TenantClaimState.Stopped:
                if (record.ExpiresAt is { } stoppedExpires) yield return (stoppedExpires, LifecycleDue.Expire);
                break;
            case TenantClaimState.Released when record.KeptUntil is { } kept && record.Container is not null:
                yield return (kept, LifecycleDue.KeptOver);
                break;
        }
    }

    /// <summary>The earliest step of any claim, or null when none has a deadline.</summary>
    public static DateTimeOffset? Earliest(IEnumerable<TenantClaimRecord> records, DateTimeOffset? lastActivity, DateTimeOffset? lastFileCheck) =>
        records.SelectMany(r => Of(r, lastActivity, lastFileCheck)).Select(d => (DateTimeOffset?)d.At).Min();
}
