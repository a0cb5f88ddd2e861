using Berth.Contracts;

namespace Berth.Tenants;

/// <summary>
/// When each time-driven step of a claim is due, from its record alone (plain, tested without a
/// cluster). The grain arms one timer for the earliest and runs what is due when it fires.
/// </summary>
public static class TenantDeadlines
{
    /// <summary>
    /// When a claim turns idle by its files: <c>file_idle_ttl</c> after its newest file change, or
    /// after the claim when none changed since. Past that, it is idle now.
    /// </summary>
    public static DateTimeOffset FileIdleAt(TenantClaimRecord record, TimeSpan ttl, DateTimeOffset? newestChange) =>
        (newestChange is { } changed && changed > record.StateSince ? changed : record.StateSince) + ttl;

    /// <param name="lastActivity">The tenant's last use of the claim (proxy, exec, API calls, touch), if known.</param>
    /// <param name="nextFileCheck">When the state directory is to be looked at next, as the last look found; null before the first.</param>
    public static IEnumerable<(DateTimeOffset At, LifecycleDue Due)> Of(TenantClaimRecord record, DateTimeOffset? lastActivity, DateTimeOffset? nextFileCheck)
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
                    yield return (nextFileCheck is { } next && next > record.StateSince ? next : record.StateSince + ttl, LifecycleDue.FileCheck);
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
    public static DateTimeOffset? Earliest(IEnumerable<TenantClaimRecord> records, DateTimeOffset? lastActivity, Func<string, DateTimeOffset?> nextFileCheck) =>
        records.SelectMany(r => Of(r, lastActivity, nextFileCheck(r.Workload))).Select(d => (DateTimeOffset?)d.At).Min();
}
