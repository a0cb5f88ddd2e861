using Berth.Configuration;
using Berth.Network;
using Berth.Runtime;
using Berth.State;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Berth;

/// <summary>Registers the services Berth's grains need; hosts and tests call this and then pick a runtime.</summary>
public static class BerthSiloBuilderExtensions
{
    public static IServiceCollection AddBerthGrainServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BerthOptions>().Bind(configuration.GetSection(BerthOptions.Section))
            .Configure(o => o.Agent ??= ReadAgent(configuration))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Options.IValidateOptions<BerthOptions>, BerthOptionsValidator>());
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
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section))
            .Validate(o => o.Provider != DatabaseProvider.Postgres || !string.IsNullOrWhiteSpace(o.ConnectionString),
                "Database:ConnectionString must be set when Database:Provider is Postgres")
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSink, FilesystemSnapshotSink>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSink, PostgresSnapshotSink>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSink, S3SnapshotSink>());
        services.TryAddSingleton<SnapshotSinks>();
        services.TryAddSingleton<SnapshotTransfer>();
        services.TryAddSingleton<Secrets.SecretProtector>();
        // In memory unless the host stores events (UseStoredBerthEvents); grain tests rely on this default.
        services.TryAddSingleton(sp => new Events.RecordingEventPublisher(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<Events.IBerthEventPublisher>(sp => sp.GetRequiredService<Events.RecordingEventPublisher>());
        services.TryAddSingleton<Events.IEventReader>(sp =>
            sp.GetRequiredService<Events.IBerthEventPublisher>() as Events.IEventReader ?? sp.GetRequiredService<Events.RecordingEventPublisher>());
        services.TryAddSingleton(sp => new Webhooks.WebhookTargets(sp.GetRequiredService<IOptions<BerthOptions>>().Value.Webhooks.AllowPrivateTargets));
        services.TryAddSingleton<Webhooks.WebhookSender>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, Webhooks.WebhookStartup>();
        return services;
    }

    /// <summary>
    /// A silo's events go to the stored log of <paramref name="database"/> (in place of the in-memory
    /// recorder), written in the background and read by the feed and the webhook dispatcher.
    /// </summary>
    public static IServiceCollection UseStoredBerthEvents(this IServiceCollection services, DatabaseOptions database)
    {
        services.AddSingleton<Events.IEventStore>(database.Provider switch
        {
            DatabaseProvider.Postgres => new Events.PostgresEventStore(database.EffectiveConnectionString),
            DatabaseProvider.Sqlite => new Events.SqliteEventStore(database.EffectiveConnectionString),
            _ => new Events.MemoryEventStore(),
        });
        services.TryAddSingleton<Events.EventSignal>();
        services.AddSingleton<Events.StoredEventPublisher>();
        services.RemoveAll<Events.IBerthEventPublisher>();
        services.AddSingleton<Events.IBerthEventPublisher>(sp => sp.GetRequiredService<Events.StoredEventPublisher>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<Events.StoredEventPublisher>());
        services.RemoveAll<Events.IEventReader>();
        services.AddSingleton<Events.IEventReader, Events.StoredEventReader>();
        return services;
    }

    /// <summary>Agent mode is a silo setting (<c>Silo:Agent</c>); the grains see it as <see cref="BerthOptions.Agent"/>.</summary>
    private static AgentOptions? ReadAgent(IConfiguration configuration) =>
        configuration.GetSection(AgentOptions.Section).Get<AgentOptions>() is { HostId.Length: > 0 } agent ? agent : null;
}
