using Berth.Configuration;
using Berth.Network;
using Berth.Runtime;
using Berth.State;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Berth;

/// <summary>Registers the services Berth's grains need; hosts and tests call this and then pick a runtime.</summary>
public static class BerthSiloBuilderExtensions
{
    public static IServiceCollection AddBerthGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BerthOptions>().Bind(configuration.GetSection(BerthOptions.Section))
            .Configure(o => o.Agent ??= ReadAgent(configuration));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton(BerthClock.Key, (sp, _) => sp.GetRequiredService<TimeProvider>());
        var options = configuration.GetSection(BerthOptions.Section).Get<BerthOptions>() ?? new BerthOptions();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, Hosts.HostStartup>();
        services.TryAddSingleton<Hosts.AgentSilos>();
        services.AddPlacementDirector<Hosts.AgentHostPlacement, Hosts.AgentHostPlacementDirector>();
        if (string.Equals(options.ContainerRuntime, "Memory", StringComparison.OrdinalIgnoreCase))
        {
            // Nothing runs: containers exist only in memory. For the control-plane benchmark and demos.
            services.TryAddSingleton<IContainerRuntimeProvider>(new InMemoryRuntimeProvider(new Dictionary<string, InMemoryContainerRuntime>(), acceptAnyImage: true));
            services.TryAddSingleton<IHostFirewall, InMemoryHostFirewall>();
        }
        services.TryAddSingleton<IContainerRuntimeProvider, DockerRuntimeProvider>();
        services.TryAddSingleton<BerthOwnAddresses>();
        services.TryAddSingleton<IHostFirewall, IptablesHostFirewall>();
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSink, FilesystemSnapshotSink>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSink, PostgresSnapshotSink>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSink, S3SnapshotSink>());
        services.TryAddSingleton<SnapshotSinks>();
        services.TryAddSingleton<SnapshotTransfer>();
        services.TryAddSingleton<Secrets.SecretProtector>();
        services.TryAddSingleton<Events.IBerthEventPublisher>(sp => new Events.RecordingEventPublisher(sp.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>Agent mode is a silo setting (<c>Silo:Agent</c>); the grains see it as <see cref="BerthOptions.Agent"/>.</summary>
    private static AgentOptions? ReadAgent(IConfiguration configuration) =>
        configuration.GetSection(AgentOptions.Section).Get<AgentOptions>() is { HostId.Length: > 0 } agent ? agent : null;
}
