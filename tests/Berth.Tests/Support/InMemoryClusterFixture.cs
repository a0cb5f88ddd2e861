using Microsoft.Extensions.DependencyInjection;
using Berth.Configuration;
using Berth.Runtime;
using Orleans.TestingHost;

namespace Berth.Tests.Support;

/// <summary>
/// A one-silo Orleans test cluster whose host "mem" is an in-memory engine: grain logic and fault
/// injection without Docker. Short intervals make sweeps and ticks come quickly.
/// </summary>
public sealed class InMemoryClusterFixture : IAsyncLifetime
{
    public const string Image = InMemorySilo.Image;
    public const string HostId = InMemorySilo.HostId;

    public InMemoryContainerRuntime Runtime { get; } = new(Image, "berth-test:other");

    /// <summary>The silo's firewall: tests may make the host unmanaged (egress policy cannot be enforced).</summary>
    public Berth.Network.InMemoryHostFirewall Firewall { get; } = new();

    public InProcessTestCluster Cluster { get; }

    /// <summary>Where the filesystem sink keeps this cluster's snapshots.</summary>
    public string SnapshotRoot { get; } = Path.Combine(Path.GetTempPath(), "berth-mem-snapshots", Guid.NewGuid().ToString("N"));

    public IClusterClient Client => Cluster.Client;

    /// <summary>The lifecycle events the silo published, in order.</summary>
    public Berth.Events.RecordingEventPublisher Events { get; } = new(TimeProvider.System);

    public InMemoryClusterFixture()
    {
        var builder = new InProcessTestClusterBuilder(initialSilosCount: 1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Berth);
            silo.UseInMemoryReminderService();
            InMemorySilo.Configure(silo, Runtime, Firewall, InMemorySilo.Options(SnapshotRoot));
            silo.Services.AddSingleton<Berth.Events.IBerthEventPublisher>(Events);
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
