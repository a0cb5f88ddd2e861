using Microsoft.Extensions.Options;

namespace Berth.Configuration;

/// <summary>
/// Checked once at start (<c>ValidateOnStart</c>): a zero tick or a negative bound would otherwise
/// surface much later as a pool that never refills or a timer that throws. Each failure names its
/// setting as it is configured (<c>Berth:PoolTickInterval</c>, env <c>Berth__PoolTickInterval</c>).
/// </summary>
public sealed class BerthOptionsValidator : IValidateOptions<BerthOptions>
{
    public ValidateOptionsResult Validate(string? name, BerthOptions o)
    {
        var failures = new List<string>();
        void Positive(TimeSpan value, string setting)
        {
            if (value <= TimeSpan.Zero) failures.Add($"{BerthOptions.Section}:{setting} must be a positive duration (is {value})");
        }
        void AtLeast(long value, long min, string setting)
        {
            if (value < min) failures.Add($"{BerthOptions.Section}:{setting} must be at least {min} (is {value})");
        }
        if (string.IsNullOrWhiteSpace(o.ClusterId)) failures.Add($"{BerthOptions.Section}:ClusterId must not be empty");
        Positive(o.HostSweepInterval, nameof(o.HostSweepInterval));
        Positive(o.HostDownAfter, nameof(o.HostDownAfter));
        Positive(o.PoolTickInterval, nameof(o.PoolTickInterval));
        Positive(o.MemberCreateDeadline, nameof(o.MemberCreateDeadline));
        Positive(o.ColdClaimMaxWait, nameof(o.ColdClaimMaxWait));
        Positive(o.ClaimAuditInterval, nameof(o.ClaimAuditInterval));
        Positive(o.OrphanGracePeriod, nameof(o.OrphanGracePeriod));
        Positive(o.HostUnhealthyCooldown, nameof(o.HostUnhealthyCooldown));
        Positive(o.ReleaseRetryDeadline, nameof(o.ReleaseRetryDeadline));
        Positive(o.RecoveredSnapshotRetention, nameof(o.RecoveredSnapshotRetention));
        AtLeast(o.MaxCreatesInFlightPerPool, 1, nameof(o.MaxCreatesInFlightPerPool));
        AtLeast(o.MaxCreatesInFlightPerHost, 1, nameof(o.MaxCreatesInFlightPerHost));
        AtLeast(o.HostUnhealthyAfterFailures, 1, nameof(o.HostUnhealthyAfterFailures));
        AtLeast(o.RetryAfterSeconds, 1, nameof(o.RetryAfterSeconds));
        AtLeast(o.DefaultPidsLimit, 1, nameof(o.DefaultPidsLimit));
        AtLeast(o.Quotas.MaxClaimsPerTenant, 1, "Quotas:MaxClaimsPerTenant");
        AtLeast(o.Snapshots.Keep, 1, "Snapshots:Keep");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
