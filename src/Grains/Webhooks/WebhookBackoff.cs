namespace Berth.Webhooks;

/// <summary>Exponential backoff between delivery attempts, without jitter: one dispatcher sends, so there is no herd to spread.</summary>
public static class WebhookBackoff
{
    /// <summary>The wait after the <paramref name="failedAttempts"/>-th failure: initial, 2×, 4×, … capped at <paramref name="max"/>.</summary>
    public static TimeSpan After(int failedAttempts, TimeSpan initial, TimeSpan max)
    {
        if (failedAttempts < 1) return TimeSpan.Zero;
        // 2^30 × any sane initial wait is past every cap: no overflow to care about beyond it.
        var factor = Math.Pow(2, Math.Min(failedAttempts - 1, 30));
        var ticks = initial.Ticks * factor;
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }
}
