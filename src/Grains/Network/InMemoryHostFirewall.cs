using System.Collections.Concurrent;

namespace Berth.Network;

/// <summary>A firewall that only records what it was asked, for grain tests and the in-memory engine.</summary>
public sealed class InMemoryHostFirewall : IHostFirewall
{
    /// <summary>When set, every host is unmanaged with this reason (a host Berth cannot enforce policy on).</summary>
    public string? UnmanagedBecause { get; set; }

    /// <summary>The networks last enforced, per engine key.</summary>
    public ConcurrentDictionary<string, IReadOnlyList<TenantNetwork>> Enforced { get; } = new(StringComparer.Ordinal);

    public Task<EgressEnforcement> EnforceAsync(string engineKey, IReadOnlyList<TenantNetwork> networks, CancellationToken cancellationToken)
    {
        if (UnmanagedBecause is { } reason) return Task.FromResult(EgressEnforcement.Unmanaged(reason));
        Enforced[engineKey] = networks;
        return Task.FromResult(new EgressEnforcement(true, null, []));
    }
}
