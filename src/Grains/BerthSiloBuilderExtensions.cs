using Berth.Configuration;
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
        services.AddOptions<BerthOptions>().Bind(configuration.GetSection(BerthOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IContainerRuntimeProvider, DockerRuntimeProvider>();
        services.AddOptions<DatabaseOptions>().Bind(configuration.GetSection(DatabaseOptions.Section));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSink, FilesystemSnapshotSink>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSink, PostgresSnapshotSink>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<ISnapshotSink, S3SnapshotSink>());
        services.TryAddSingleton<SnapshotSinks>();
        services.TryAddSingleton<SnapshotTransfer>();
        services.TryAddSingleton<Secrets.SecretProtector>();
        return services;
    }
}
