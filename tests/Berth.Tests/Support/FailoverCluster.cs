using Berth.Configuration;
using Berth.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Berth.Tests.Support;

/// <summary>
/// Several in-process silos over one in-memory engine and one storage that survives them (as
/// PostgreSQL would), for failover without Docker: kill a silo, let membership declare it dead
/// quickly, and move Berth's own clock on (<see cref="Clock"/>, Berth's deadlines only; Orleans'
/// timers and probes keep real time) instead of waiting out reservations and deadlines.
/// </summary>
public sealed class FailoverCluster : IAsyncDisposable
{
    public const string Image = InMemorySilo.Image;
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private FailoverCluster(InProcessTestCluster cluster, FailoverClusterSettings settings)
    {
        Cluster = cluster;
        Settings = settings;
    }

    public InProcessTestCluster Cluster { get; }
    private FailoverClusterSettings Settings { get; }
    public InMemoryContainerRuntime Runtime => Settings.Runtime;

    /// <summary>The engine of another host (name it in <see cref="BerthOptions.Hosts"/> through the configure callback).</summary>
    public InMemoryContainerRuntime Engine(string hostId) => Settings.Runtimes.Engine(hostId);
    public FakeTimeProvider Clock => Settings.Clock;
    public SharedGrainStore Store => Settings.Store;
    public IClusterClient Client => Cluster.Client;

    public static async Task<FailoverCluster> StartAsync(int silos, Action<BerthOptions>? configure = null)
    {
        var settings = new FailoverClusterSettings();
        configure?.Invoke(settings.Options);
        var builder = new InProcessTestClusterBuilder(initialSilosCount: (short)silos);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Berth,
                (sp, _) => settings.Store.ProviderFor(sp.GetRequiredService<Serializer>()));
            silo.UseInMemoryReminderService();
            silo.Services.AddKeyedSingleton<TimeProvider>(BerthClock.Key, settings.Clock);
            // A killed silo is declared dead within a few seconds, not the production half minute.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(1);
            });
            // A call between silos caught on a killed one fails after seconds, not the default half minute.
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = CallTimeout);
            InMemorySilo.Configure(silo, settings.Runtimes, settings.Firewall, settings.Options);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new FailoverCluster(cluster, settings);
    }

    /// <summary>Kills (no graceful stop) the silo hosting <paramref name="grain"/>'s activation, or the first non-primary one.</summary>
    public async Task<SiloAddress> KillSiloOfAsync(IAddressable grain)
    {
        var host = Cluster.TryGetGrainContext(grain.GetGrainId(), out var context) ? context.Address.SiloAddress : null;
        var silo = Cluster.Silos.FirstOrDefault(s => s.SiloAddress.Equals(host)) ?? Cluster.Silos[^1];
        await Cluster.KillSiloAsync(silo);
        return silo.SiloAddress;
    }

    /// <summary>Ends <paramref name="grain"/>'s activation (as a silo losing its directory partition does); the next call activates it afresh.</summary>
    public async Task DeactivateAsync(IAddressable grain)
    {
        if (!Cluster.TryGetGrainContext(grain.GetGrainId(), out var context)) return;
        var ended = context.ActivationId;
        context.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationRequested, "deactivated by the test"));
        // Callers (host reports) may activate it again at once: what counts is that this activation is gone.
        await Eventually.Until(() => Task.FromResult(Cluster.TryGetGrainContext(grain.GetGrainId(), out var now) ? now.ActivationId : (ActivationId?)null),
            id => id != ended, "the activation to end");
    }

    /// <summary>What the surviving silos' membership says of <paramref name="silo"/>.</summary>
    public async Task<SiloStatus> StatusOfAsync(SiloAddress silo)
    {
        var hosts = await Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: false);
        return hosts.TryGetValue(silo, out var status) ? status : SiloStatus.None;
    }

    /// <summary>Moves Berth's clock on in steps, giving real-time ticks (200 ms) a chance to run at each.</summary>
    public async Task AdvanceAsync(TimeSpan by, int steps = 4)
    {
        for (var i = 0; i < steps; i++)
        {
            Clock.Advance(by / steps);
            await Task.Delay(TimeSpan.FromMilliseconds(300));
        }
    }

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();

    /// <summary>What every silo of one cluster shares: the engine, the firewall, the storage, the options, Berth's clock.</summary>
    private sealed class FailoverClusterSettings
    {
        public FailoverClusterSettings()
        {
            Runtimes = new InMemoryRuntimeProvider(new Dictionary<string, InMemoryContainerRuntime> { [InMemorySilo.HostId] = Runtime }, acceptAnyImage: true);
        }

        public InMemoryContainerRuntime Runtime { get; } = new(Image);
        /// <summary>Host "mem" is <see cref="Runtime"/>; any other host gets an engine that knows every image.</summary>
        public InMemoryRuntimeProvider Runtimes { get; }
        public Berth.Network.InMemoryHostFirewall Firewall { get; } = new();
        public SharedGrainStore Store { get; } = new();
        public FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
        public BerthOptions Options { get; } = InMemorySilo.Options(Path.Combine(Path.GetTempPath(), "berth-mem-snapshots", Guid.NewGuid().ToString("N")));
    }
}
