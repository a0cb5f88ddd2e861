using System.Net;
using Berth.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Berth.Network;

/// <summary>
/// Where Berth itself runs, so that no allow list opens it: the silos the cluster's membership
/// knows, the PostgreSQL server, and the administrator's <c>Berth:Security:EgressDeny</c> ranges.
/// Loopback needs no entry (a container never reaches the host's), and the host's own addresses
/// are refused on INPUT whatever the destination.
/// </summary>
public sealed class BerthOwnAddresses(IServiceProvider services, IOptions<BerthOptions> options, IOptions<DatabaseOptions> database)
{
    public async Task<IReadOnlyList<IPNetwork>> GetAsync(CancellationToken cancellationToken)
    {
        var result = new List<IPNetwork>();
        foreach (var text in options.Value.Security.EgressDeny)
        {
            if (IPNetwork.TryParse(text, out var range)) result.Add(range);
            else if (IPAddress.TryParse(text, out var address)) result.Add(Single(address));
        }
        if (services.GetService<IClusterMembershipService>() is { } membership)
        {
            result.AddRange(membership.CurrentSnapshot.Members.Values
                .Where(m => m.Status == SiloStatus.Active)
                .Select(m => m.SiloAddress.Endpoint.Address is { IsIPv4MappedToIPv6: true } mapped ? mapped.MapToIPv4() : m.SiloAddress.Endpoint.Address)
                .Where(a => !IPAddress.IsLoopback(a))
                .Select(Single));
        }
        if (database.Value.Provider == DatabaseProvider.Postgres)
        {
            result.AddRange(await DatabaseAddressesAsync(database.Value.EffectiveConnectionString, cancellationToken));
        }
        return [.. result.Distinct()];
    }

    private static async Task<IEnumerable<IPNetwork>> DatabaseAddressesAsync(string connectionString, CancellationToken cancellationToken)
    {
        var hosts = new NpgsqlConnectionStringBuilder(connectionString).Host?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        var result = new List<IPNetwork>();
        foreach (var host in hosts.Select(h => h.Split(':')[0]))
        {
            if (host.StartsWith('/')) continue; // a unix socket
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, timeout.Token);
                result.AddRange(addresses.Where(a => !IPAddress.IsLoopback(a)).Select(Single));
            }
            catch (Exception ex) when (ex is System.Net.Sockets.SocketException or OperationCanceledException)
            {
                // Unresolvable now; the next sweep tries again.
            }
        }
        return result;
    }

    private static IPNetwork Single(IPAddress address) =>
        new(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
}
