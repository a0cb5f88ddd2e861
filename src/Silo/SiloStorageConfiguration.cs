using System.Net;
using Berth.Configuration;
using Orleans.Configuration;
using Orleans.Storage;

namespace Berth.Silo;

/// <summary>Wires clustering, grain storage and reminders for the configured database.</summary>
public static class SiloStorageConfiguration
{
    private const string PostgresInvariant = "Npgsql";

    /// <summary>Orleans' ADO.NET layer maps this invariant to Microsoft.Data.Sqlite's factory; "Microsoft.Data.Sqlite" is unknown to it.</summary>
    private const string SqliteInvariant = "System.Data.SQLite";

    public static ISiloBuilder UseBerthDatabase(this ISiloBuilder silo, DatabaseOptions database, SiloOptions siloOptions, string clusterId)
    {
        switch (database.Provider)
        {
            case DatabaseProvider.Postgres:
                var connectionString = database.EffectiveConnectionString;
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = clusterId;
                    o.ServiceId = siloOptions.ServiceId;
                });
                silo.ConfigureEndpoints(AdvertisedAddress(siloOptions), siloOptions.SiloPort, siloOptions.GatewayPort, listenOnAnyHostAddress: siloOptions.ListenOnAnyAddress);
                silo.UseAdoNetClustering(o =>
                {
                    o.Invariant = PostgresInvariant;
                    o.ConnectionString = connectionString;
                });
                silo.AddAdoNetGrainStorage(StorageNames.Berth, o =>
                {
                    o.Invariant = PostgresInvariant;
                    o.ConnectionString = connectionString;
                });
                silo.UseAdoNetReminderService(o =>
                {
                    o.Invariant = PostgresInvariant;
                    o.ConnectionString = connectionString;
                });
                break;
            case DatabaseProvider.Sqlite:
                silo.UseLocalhostClustering(siloOptions.SiloPort, siloOptions.GatewayPort, serviceId: siloOptions.ServiceId, clusterId: clusterId);
                silo.AddAdoNetGrainStorage(StorageNames.Berth, o =>
                {
                    o.Invariant = SqliteInvariant;
                    o.ConnectionString = database.EffectiveConnectionString;
                });
                // There is no SQLite reminder provider; a single node re-creates its reminders at start-up.
                silo.UseInMemoryReminderService();
                break;
            default:
                silo.UseLocalhostClustering(siloOptions.SiloPort, siloOptions.GatewayPort, serviceId: siloOptions.ServiceId, clusterId: clusterId);
                silo.AddMemoryGrainStorage(StorageNames.Berth);
                silo.UseInMemoryReminderService();
                break;
        }
        // Orleans' own binary format, driven by the [Id]s on the state classes: compact, version
        // tolerant, and several times cheaper than the providers' default JSON (which cost the
        // control-plane benchmark most of its CPU per claim).
        if (database.Provider != DatabaseProvider.Memory) UseBinaryStateSerializer<AdoNetGrainStorageOptions>(silo);
        else UseBinaryStateSerializer<Orleans.Configuration.MemoryGrainStorageOptions>(silo);
        return silo;
    }

    private static void UseBinaryStateSerializer<TOptions>(ISiloBuilder silo) where TOptions : class, Orleans.Storage.IStorageProviderSerializerOptions =>
        silo.Services.AddOptions<TOptions>(StorageNames.Berth).Configure<IServiceProvider>((o, services) =>
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(services.GetRequiredService<Orleans.Serialization.Serializer>()));

    /// <summary>An explicit address, or "auto": this host's first IPv4 address (e.g. in a container).</summary>
    private static IPAddress AdvertisedAddress(SiloOptions options) =>
        options.AdvertisedAddress.Equals("auto", StringComparison.OrdinalIgnoreCase)
            ? Dns.GetHostAddresses(Dns.GetHostName()).First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            : IPAddress.TryParse(options.AdvertisedAddress, out var address) ? address
            // Read while the silo is wired up, before the options are validated: the same message.
            : throw new InvalidOperationException(SiloOptions.AddressError(options.AdvertisedAddress));
}
