using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Berth.Specs;

namespace Berth.Network;

/// <summary>
/// The iptables rules of the egress policy, as plain data (a pure function, unit-tested without a
/// kernel). Chains, for one address family:
/// <list type="bullet">
/// <item><c>BERTH-INPUT</c> (first rule of INPUT): a tenant bridge reaches nothing on the host itself, only replies get in.</item>
/// <item><c>BERTH-FORWARD</c> (first rule of DOCKER-USER, or of FORWARD where Docker keeps no chains):
/// replies pass; bridge to bridge is refused (other tenants); then each engine's chain; then refusal.</item>
/// <item><c>BERTH-DENY</c>: what no allow list opens: loopback, link-local and metadata, multicast,
/// and Berth's own addresses (silos, database, <c>Berth:Security:EgressDeny</c>).</item>
/// <item><c>BERTH-E-{engine}</c>: per bridge, DNS to the host's resolvers, BERTH-DENY, the allow list, then the mode.</item>
/// </list>
/// Every chain starts with a comment holding the hash of its rules, so a check is one iptables-save.
/// </summary>
public static class EgressRules
{
    public const string InputChain = "BERTH-INPUT";
    public const string ForwardChain = "BERTH-FORWARD";
    public const string DenyChain = "BERTH-DENY";
    public const string EngineChainPrefix = "BERTH-E-";
    private const string AnyTenantBridge = TenantNetworks.BridgePrefix + "+";
    private const string AnyStackBridge = TenantNetworks.StackBridgePrefix + "+";

    public static string EngineChain(string engineKey) => EngineChainPrefix + engineKey;

    /// <summary>The rules of one family; <paramref name="resolved"/> gives the addresses of allowed host names.</summary>
    public static EgressRuleSet Build(
        AddressFamily family,
        string engineKey,
        IReadOnlyList<TenantNetwork> networks,
        IReadOnlyList<IPAddress> nameservers,
        IReadOnlyList<IPNetwork> berthAddresses,
        IReadOnlyDictionary<string, IReadOnlyList<IPAddress>> resolved)
    {
        var reject = family == AddressFamily.InterNetwork ? "REJECT --reject-with icmp-admin-prohibited" : "REJECT --reject-with icmp6-adm-prohibited";
        var hostBits = family == AddressFamily.InterNetwork ? 32 : 128;
        bool Ours(IPNetwork n) => n.BaseAddress.AddressFamily == family;

        List<string> input =
        [
            $"-i {AnyTenantBridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            $"-i {AnyTenantBridge} -j {reject}",
        ];
        List<string> forwardHead =
        [
            $"-o {AnyTenantBridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            $"-i {AnyTenantBridge} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            // A stack's services talk within their own bridge (bridged, never routed to another one).
            $"-i {AnyStackBridge} -o {AnyStackBridge} -m physdev --physdev-is-bridged -j ACCEPT",
            $"-i {AnyTenantBridge} -o {AnyTenantBridge} -j {reject}",
        ];
        List<string> forwardTail = [$"-i {AnyTenantBridge} -j {reject}"];
        var deny = EgressRanges.AlwaysDenied.Concat(berthAddresses).Where(Ours).Distinct()
            .Select(n => $"-d {n} -j {reject}").ToList();

        var engine = new List<string>();
        foreach (var network in networks.OrderBy(n => n.Bridge, StringComparer.Ordinal))
        {
            var bridge = $"-i {network.Bridge}";
            var policy = network.Policy;
            // The resolvers Docker's embedded DNS forwards to: a private resolver must not cost public egress its names.
            if (policy.Mode == EgressMode.Public || policy.Allow.Any(a => a.HostName is not null))
            {
                foreach (var server in nameservers.Where(s => s.AddressFamily == family))
                {
                    engine.Add($"{bridge} -d {server}/{hostBits} -p udp -m udp --dport 53 -j ACCEPT");
                    engine.Add($"{bridge} -d {server}/{hostBits} -p tcp -m tcp --dport 53 -j ACCEPT");
                }
            }
            engine.Add($"{bridge} -j {DenyChain}");
            foreach (var entry in policy.Allow)
            {
                var targets = entry.Network is { } cidr
                    ? [IPNetwork.Parse(cidr)]
                    : resolved.GetValueOrDefault(entry.HostName!, []).Select(a => new IPNetwork(a, a.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)).ToList();
                foreach (var target in targets.Where(Ours))
                {
                    if (entry.Port is { } port)
                    {
                        engine.Add($"{bridge} -d {target} -p tcp -m tcp --dport {port} -j ACCEPT");
                        engine.Add($"{bridge} -d {target} -p udp -m udp --dport {port} -j ACCEPT");
                    }
                    else
                    {
                        engine.Add($"{bridge} -d {target} -j ACCEPT");
                    }
                }
            }
            if (policy.Mode == EgressMode.Public)
            {
                engine.AddRange(EgressRanges.Private.Where(Ours).Select(r => $"{bridge} -d {r} -j {reject}"));
                engine.Add($"{bridge} -j ACCEPT");
            }
            else
            {
                engine.Add($"{bridge} -j {reject}");
            }
        }
        return new EgressRuleSet(family, EngineChain(engineKey), Stamp(input), [$"-m comment --comment {StampOf(forwardHead.Concat(forwardTail))}", .. forwardHead], forwardTail, Stamp(deny), Stamp(engine));
    }

    /// <summary>Puts the hash comment first: a chain is as intended when its first rule has it and the count matches.</summary>
    private static IReadOnlyList<string> Stamp(List<string> rules) => [$"-m comment --comment {StampOf(rules)}", .. rules];

    public static string StampOf(IEnumerable<string> rules) =>
        "berth:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", rules))))[..12];
}

/// <summary>The rules <see cref="EgressRules.Build"/> wants, chain by chain (each without its <c>-A CHAIN</c>).</summary>
/// <param name="ForwardHead">BERTH-FORWARD's rules before the engines' jumps (stamped); <paramref name="ForwardTail"/> after them.</param>
public sealed record EgressRuleSet(
    AddressFamily Family,
    string EngineChain,
    IReadOnlyList<string> Input,
    IReadOnlyList<string> ForwardHead,
    IReadOnlyList<string> ForwardTail,
    IReadOnlyList<string> Deny,
    IReadOnlyList<string> Engine);
