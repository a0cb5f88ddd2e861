using Berth.Grains;
using Microsoft.Extensions.Caching.Memory;

namespace Berth.Gateway.Endpoints;

/// <summary>
/// Tells a tenant's grain that it used its container (proxied requests, exec, logs, files), at most
/// once per <see cref="Interval"/> per tenant from this gateway: a page with a hundred assets costs one call.
/// </summary>
public sealed class TenantActivity(IClusterClient cluster, IMemoryCache cache)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    public void Record(string tenantId)
    {
        var key = $"tenant-activity:{tenantId}";
        if (cache.TryGetValue(key, out _)) return;
        cache.Set(key, true, Interval);
        // One-way: the request never waits on it.
        _ = cluster.GetGrain<ITenantGrain>(tenantId).Touch();
    }
}
