using Berth.Configuration;
using Berth.Runtime;
using Berth.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;

namespace Berth.Tests.Support;

/// <summary>
/// A one-silo Orleans test cluster whose host "mem" is an in-memory engine: grain logic and fault
/// injection without Docker. Short intervals make sweeps and ticks come quickly.
/// </summary>
public sealed class InMemoryClusterFixture : IAsyncLifetime
{
    public const string Image = "berth-test:mem";
    public const string HostId = "mem";

    public InMemoryContainerRuntime Runtime { get; } = new(Image, "berth-test:other");

    /// <summary>The silo's firewall: tests may make the host unmanaged (egress policy cannot be enforced).</summary>
    public Berth.Network.InMemoryHostFirewall Firewall { get; } = new();

    public InProcessTestCluster Cluster { get; }

    /// <summary>Where the filesystem sink keeps this cluster's snapshots.</summary>
    public string SnapshotRoot { get; } = Path.Combine(Path.GetTempPath(), "berth-mem-snapshots", Guid.NewGuid().ToString("N"));

    public IClusterClient Client => Cluster.Client;

    public InMemoryClusterFixture()
    {
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Berth);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.AddSingleton<ISnapshotSink, FilesystemSnapshotSink>();
            silo.Services.AddSingleton<SnapshotSinks>();
            silo.Services.AddSingleton<SnapshotTransfer>();
            silo.Services.AddSingleton<Berth.Secrets.SecretProtector>();
            silo.Services.AddSingleton<Berth.Network.IHostFirewall>(Firewall);
            silo.Services.AddSingleton<IContainerRuntimeProvider>(
                new InMemoryRuntimeProvider(new Dictionary<string, InMemoryContainerRuntime> { [HostId] = Runtime }));
            silo.Services.AddSingleton<IOptions<BerthOptions>>(Options.Create(new BerthOptions
            {
                ClusterId = "mem-cluster",
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
                    FilesystemRoot = SnapshotRoot,
                    StagingDirectory = Path.Combine(Path.GetTempPath(), "berth-mem-staging"),
                },
                HostUnhealthyCooldown = TimeSpan.FromSeconds(1),
                Quotas = new QuotaOptions { MaxClaimsPerTenant = 3 },
                // As in production: no tenant container on a host that cannot enforce egress policy.
                Security = new SecurityOptions { RequireEgressPolicy = true },
            }));
        });
        Cluster = builder.Build();
    }

    public Task InitializeAsync() => Cluster.DeployAsync();

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class InMemoryClusterCollection : ICollectionFixture<InMemoryClusterFixture>
{
    public const string Name = "in-memory cluster";
}
