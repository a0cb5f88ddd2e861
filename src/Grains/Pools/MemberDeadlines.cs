using Berth.Configuration;
using Berth.Specs;

namespace Berth.Pools;

/// <summary>
/// How long a member may take to come up, derived from its healthcheck rather than capping the
/// healthcheck: a slow check makes a slow pool, never a refused spec.
/// </summary>
public static class MemberDeadlines
{
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Docker reports unhealthy after <c>retries</c> failed checks, each an interval plus its timeout
    /// apart, once <c>start_period</c> is over; a member not healthy by then (plus slack) never will be.
    /// </summary>
    public static TimeSpan ReadyWithin(HealthcheckSpec? healthcheck) => healthcheck is null
        ? Slack
        : healthcheck.StartPeriod + (healthcheck.Interval + healthcheck.Timeout) * (healthcheck.Retries + 1) + Slack;

    /// <summary>A stack's services come up one after another in the worst case: their times add up.</summary>
    public static TimeSpan ReadyWithin(WorkloadSpec spec) => spec.IsStack ? Sum(spec, s => ReadyWithin(s.Healthcheck)) : ReadyWithin(spec.Healthcheck);

    private static TimeSpan Sum(WorkloadSpec spec, Func<ServiceSpec, TimeSpan> each) =>
        spec.Services!.Aggregate(TimeSpan.Zero, (total, service) => total + each(service));

    /// <summary>The pool's deadline for a creating member: the configured one, or longer when the healthcheck needs it.</summary>
    public static TimeSpan Create(WorkloadSpec spec, BerthOptions options)
    {
        var needed = ReadyWithin(spec) + TimeSpan.FromSeconds(30);
        return needed > options.MemberCreateDeadline ? needed : options.MemberCreateDeadline;
    }

    /// <summary>The soonest a fresh member can be healthy: Docker runs the first check one interval after the start.</summary>
    public static TimeSpan EarliestReady(HealthcheckSpec? healthcheck) => healthcheck?.Interval ?? TimeSpan.Zero;

    /// <summary>
    /// Whether a claim that finds no idle member should wait for a container of its own: only when
    /// one can be ready within <see cref="BerthOptions.ColdClaimMaxWait"/>. Otherwise the claim is
    /// answered 503 with the Retry-After this returns, while the pool brings a member up.
    /// </summary>
    public static int? ColdClaimRetryAfter(WorkloadSpec spec, BerthOptions options)
    {
        var earliest = (spec.IsStack ? Sum(spec, s => EarliestReady(s.Healthcheck)) : EarliestReady(spec.Healthcheck)) + TimeSpan.FromSeconds(1);
        return earliest <= options.ColdClaimMaxWait ? null : (int)Math.Ceiling(earliest.TotalSeconds);
    }
}
