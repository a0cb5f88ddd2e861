using System.Net;
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
        void NotEmpty(string? value, string setting)
        {
            if (string.IsNullOrWhiteSpace(value)) failures.Add($"{BerthOptions.Section}:{setting} must not be empty");
        }
        void Ranges(IEnumerable<string> entries, string setting)
        {
            // Read again where they are used; a bad entry would otherwise be skipped (egress) or fail a later call (webhooks).
            foreach (var entry in entries.Where(e => !IPNetwork.TryParse(e, out _) && !IPAddress.TryParse(e, out _)))
            {
                failures.Add($"{BerthOptions.Section}:{setting}: '{entry}' is neither a CIDR range nor an address");
            }
        }
        void CheckHost(DockerHostOptions host, string setting)
        {
            if (string.IsNullOrWhiteSpace(host.Id)) failures.Add($"{setting}:Id must not be empty");
            if (!Uri.TryCreate(host.Endpoint, UriKind.Absolute, out _))
            {
                failures.Add($"{setting}:Endpoint must be an absolute address such as unix:///var/run/docker.sock or tcp://host:2376 (is '{host.Endpoint}')");
            }
            if (!IPAddress.TryParse(host.PublishAddress, out _))
            {
                failures.Add($"{setting}:PublishAddress must be an IP address (is '{host.PublishAddress}')");
            }
            if (host.MaxContainers is < 1) failures.Add($"{setting}:MaxContainers must be at least 1 (is {host.MaxContainers})");
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
        NotEmpty(o.Snapshots.FilesystemRoot, "Snapshots:FilesystemRoot");
        NotEmpty(o.Snapshots.StagingDirectory, "Snapshots:StagingDirectory");
        if (!(o.Snapshots.S3.KeyPrefix ?? "").Contains(S3SinkOptions.TenantIdPlaceholder, StringComparison.Ordinal))
        {
            failures.Add($"{BerthOptions.Section}:Snapshots:S3:KeyPrefix must contain {S3SinkOptions.TenantIdPlaceholder} (is '{o.Snapshots.S3.KeyPrefix}')");
        }
        if (!new[] { "Docker", "Memory" }.Contains(o.ContainerRuntime, StringComparer.OrdinalIgnoreCase))
        {
            failures.Add($"{BerthOptions.Section}:ContainerRuntime must be Docker or Memory (is '{o.ContainerRuntime}')");
        }
        if (o.SecretsKey is { Length: > 0 } key && !IsAesKey(key))
        {
            failures.Add($"{BerthOptions.Section}:SecretsKey must be 32 bytes, base64-encoded");
        }
        for (var i = 0; i < o.Hosts.Count; i++) CheckHost(o.Hosts[i], $"{BerthOptions.Section}:Hosts:{i}");
        if (o.Hosts.GroupBy(h => h.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            failures.Add($"{BerthOptions.Section}:Hosts: host id '{twice.Key}' appears more than once");
        }
        if (o.Agent is { HostId.Length: > 0 } agent) CheckHost(agent.AsHost(), AgentOptions.Section);

        Positive(o.Events.Retention, "Events:Retention");
        Positive(o.Events.PruneInterval, "Events:PruneInterval");
        Positive(o.Events.PollInterval, "Events:PollInterval");
        AtLeast(o.Events.MaxRows, 1, "Events:MaxRows");

        AtLeast(o.Webhooks.MaxAttempts, 1, "Webhooks:MaxAttempts");
        Positive(o.Webhooks.InitialBackoff, "Webhooks:InitialBackoff");
        Positive(o.Webhooks.MaxBackoff, "Webhooks:MaxBackoff");
        if (o.Webhooks.InitialBackoff > o.Webhooks.MaxBackoff)
        {
            failures.Add($"{BerthOptions.Section}:Webhooks:InitialBackoff must be at most {BerthOptions.Section}:Webhooks:MaxBackoff");
        }
        Positive(o.Webhooks.RequestTimeout, "Webhooks:RequestTimeout");
        Positive(o.Webhooks.PollInterval, "Webhooks:PollInterval");
        AtLeast(o.Webhooks.MaxDeadLetters, 0, "Webhooks:MaxDeadLetters");
        AtLeast(o.Webhooks.MaxWebhooks, 1, "Webhooks:MaxWebhooks");
        Ranges(o.Webhooks.AllowPrivateTargets, "Webhooks:AllowPrivateTargets");

        AtLeast(o.Security.DefaultMemoryBytes, 1, "Security:DefaultMemoryBytes");
        if (!(o.Security.DefaultCpus > 0)) failures.Add($"{BerthOptions.Section}:Security:DefaultCpus must be above 0 (is {o.Security.DefaultCpus})");
        NotEmpty(o.Security.TenantNetwork, "Security:TenantNetwork");
        Ranges(o.Security.EgressDeny, "Security:EgressDeny");
        if (!IPNetwork.TryParse(o.Security.StackSubnets, out var stackSubnets)
            || stackSubnets.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || stackSubnets.PrefixLength > Network.StackSubnets.PrefixLength)
        {
            failures.Add($"{BerthOptions.Section}:Security:StackSubnets must be an IPv4 CIDR range of /{Network.StackSubnets.PrefixLength} or larger (is '{o.Security.StackSubnets}')");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsAesKey(string base64)
    {
        var bytes = new byte[48];
        return Convert.TryFromBase64String(base64, bytes, out var length) && length == 32;
    }
}
