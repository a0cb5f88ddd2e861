using System.Net;

namespace Berth.Specs;

/// <summary>The address ranges the egress policy is made of, in one place for the parser, the rules and the docs.</summary>
public static class EgressRanges
{
    /// <summary>
    /// Never reachable from a tenant container, whatever its allow list says: loopback, "this
    /// network", link-local (cloud metadata lives at 169.254.169.254), multicast and reserved.
    /// </summary>
    public static IReadOnlyList<IPNetwork> AlwaysDenied { get; } = Parse(
        "0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
        "::1/128", "::/128", "fe80::/10", "ff00::/8");

    /// <summary>
    /// Denied by <see cref="EgressMode.Public"/> unless allowed: private (RFC 1918, fc00::/7) and
    /// shared (100.64/10, carrier NAT) ranges, where the Docker hosts, other tenants' bridges and
    /// Berth's own processes live.
    /// </summary>
    public static IReadOnlyList<IPNetwork> Private { get; } = Parse(
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7");

    /// <summary>The always-denied range that wholly contains <paramref name="network"/>, if any.</summary>
    public static IPNetwork? InsideAlwaysDenied(IPNetwork network) =>
        AlwaysDenied.Cast<IPNetwork?>().FirstOrDefault(d => d!.Value.BaseAddress.AddressFamily == network.BaseAddress.AddressFamily
            && d.Value.PrefixLength <= network.PrefixLength && d.Value.Contains(network.BaseAddress));

    private static IPNetwork[] Parse(params string[] ranges) => [.. ranges.Select(IPNetwork.Parse)];
}
