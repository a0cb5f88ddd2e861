using Berth.Configuration;
using Berth.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Berth.Tests.Support;

/// <summary>
/// A silo of an in-process test cluster with what the real silo registers
/// (<see cref="BerthSiloBuilderExtensions.AddBerthGrainServices"/>), around an in-memory engine
/// as host "mem" and short intervals so sweeps and ticks come quickly.
/// </summary>
public static class InMemorySilo
{
    public const string HostId = "mem";

    public const string ClusterId = "mem-cluster";

    /// <summary>The image the in-memory engine knows.</summary>
    public const string Image = "berth-test:mem";

    public static BerthOptions Options(string snapshotRoot) => new()
    {
        ClusterId = ClusterId,
        Hosts = [new DockerHostOptions { Id = HostId, Endpoint = "memory://", PublishAddress = "127.0.0.1" }],
        HostSweepInterval = TimeSpan.FromMilliseconds(200),
        PoolTickInterval = TimeSpan.FromMilliseconds(200),
        OrphanGracePeriod = TimeSpan.FromSeconds(1),
        MemberCreateDeadline = TimeSpan.FromSeconds(30),
        ReleaseRetryDeadline = TimeSpan.FromSeconds(8),
        ClaimAuditInterval = TimeSpan.FromSeconds(1),
        SecretsKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        Snapshots = new SnapshotOptions
        {
            FilesystemRoot = snapshotRoot,
            StagingDirectory = Path.Combine(Path.GetTempPath(), "berth-mem-staging"),
        },
        HostUnhealthyCooldown = TimeSpan.FromSeconds(1),
        Quotas = new QuotaOptions { MaxClaimsPerTenant = 3 },
        // As in production: no tenant container on a host that cannot enforce egress policy.
        Security = new SecurityOptions { RequireEgressPolicy = true },
        // Webhook tests deliver to receivers on loopback, quickly, and give up after three tries.
        Webhooks = new WebhookOptions
        {
            AllowPrivateTargets = ["127.0.0.0/8"],
            PollInterval = TimeSpan.FromMilliseconds(100),
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(200),
            MaxAttempts = 3,
            RequestTimeout = TimeSpan.FromSeconds(5),
        },
    };

    public static void Configure(ISiloBuilder silo, InMemoryContainerRuntime runtime, Berth.Network.IHostFirewall firewall, BerthOptions options) =>
        Configure(silo, new InMemoryRuntimeProvider(new Dictionary<string, InMemoryContainerRuntime> { [HostId] = runtime }), firewall, options);

    /// <summary>With one provider shared by every silo, so that each host's engine is the same one whichever silo asks.</summary>
    public static void Configure(ISiloBuilder silo, InMemoryRuntimeProvider runtimes, Berth.Network.IHostFirewall firewall, BerthOptions options)
    {
        silo.Services.AddSingleton(firewall);
        silo.Services.AddSingleton<IContainerRuntimeProvider>(runtimes);
        silo.Services.AddSingleton<IOptions<BerthOptions>>(Microsoft.Extensions.Options.Options.Create(options));
        silo.Services.AddBerthGrainServices(new ConfigurationBuilder().Build());
    }
}
