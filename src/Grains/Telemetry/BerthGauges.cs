using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Berth.Contracts;

namespace Berth.Telemetry;

/// <summary>
/// What the gauges read: the last counts each pool grain and the host registry reported from their
/// ticks on this silo. Grains push plain numbers here rather than being asked at scrape time, since
/// a scrape must not call into (or wake) a grain.
/// </summary>
public static class BerthGauges
{
    private static readonly ConcurrentDictionary<string, KeyValuePair<string, int>[]> Pools = new();
    private static volatile HostEntry[] _hosts = [];

    // Created with the first report (this class's first use): before it there is nothing to show.
    static BerthGauges()
    {
        BerthMetrics.Meter.CreateObservableGauge("berth.pool.members", PoolMembers, description: "Members of each pool this silo hosts, by workload and state");
        BerthMetrics.Meter.CreateObservableGauge("berth.host.up", HostsUp, description: "1 while a host is in rotation (active, cordoned, draining), 0 while down");
        BerthMetrics.Meter.CreateObservableGauge("berth.host.containers", HostContainers, description: "Berth containers on each host, as its last sweep counted them");
    }

    /// <summary>A pool's counts by member state (lowercase), replacing what it reported before.</summary>
    public static void ReportPool(string workload, IEnumerable<KeyValuePair<string, int>> countsByState) => Pools[workload] = [.. countsByState];

    /// <summary>The pool's activation is gone from this silo: its counts are reported by the next one.</summary>
    public static void ForgetPool(string workload) => Pools.TryRemove(workload, out _);

    public static void ReportHosts(HostEntry[] hosts) => _hosts = hosts;

    public static void ForgetHosts() => _hosts = [];

    internal static IEnumerable<Measurement<int>> PoolMembers() =>
        Pools.SelectMany(pool => pool.Value.Select(state => new Measurement<int>(state.Value,
            new KeyValuePair<string, object?>("workload", pool.Key), new KeyValuePair<string, object?>("state", state.Key))));

    internal static IEnumerable<Measurement<int>> HostsUp() =>
        _hosts.Where(h => h.State != HostState.Removed).Select(h => new Measurement<int>(h.State == HostState.Down ? 0 : 1, Host(h)));

    internal static IEnumerable<Measurement<int>> HostContainers() =>
        _hosts.Where(h => h.State != HostState.Removed).Select(h => new Measurement<int>(h.Containers, Host(h)));

    private static KeyValuePair<string, object?> Host(HostEntry entry) => new("host", entry.HostId);
}
