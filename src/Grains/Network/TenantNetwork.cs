using Berth.Specs;

namespace Berth.Network;

/// <summary>
/// One egress policy's bridge network on one engine. Containers of every workload with that policy
/// share it (inter-container traffic is off); the host's firewall filters it by its bridge name.
/// </summary>
/// <param name="Name">The Docker network: <c>{Berth:Security:TenantNetwork}-{policy key}</c>.</param>
/// <param name="Bridge">The Linux bridge: <see cref="TenantNetworks.BridgePrefix"/> and a hash of engine and policy.</param>
/// <param name="EngineKey">Names the engine's own firewall chain; unique per engine, so engines sharing a machine never clash.</param>
public sealed record TenantNetwork(string Name, string Bridge, EgressPolicy Policy, string EngineKey);

/// <summary>Names of tenant networks and bridges.</summary>
public static class TenantNetworks
{
    /// <summary>Every tenant bridge's name starts so: one firewall rule (<c>-i brth+</c>) covers all of them.</summary>
    public const string BridgePrefix = "brth";

    /// <summary>The label on a tenant network that holds its policy (<see cref="EgressPolicy.Canonical"/>).</summary>
    public const string EgressLabel = "berth.egress";

    /// <summary>
    /// A stack member's bridge: in <see cref="BridgePrefix"/> (every tenant rule covers it) and told
    /// apart by an 's', which no policy bridge's hex hash has; traffic within it is let through.
    /// </summary>
    public const string StackBridgePrefix = BridgePrefix + "s";

    public static string NetworkName(string prefix, EgressPolicy policy) => $"{prefix}-{policy.Key}";

    /// <summary>A stack member's own network: <c>{prefix}-stack-{member}</c>.</summary>
    public static string StackNetworkName(string prefix, string memberId) => $"{prefix}-stack-{memberId}";

    public static string StackBridgeName(string engineKey, string networkName) => StackBridgePrefix + EgressPolicy.Hash($"{engineKey}|{networkName}");

    /// <summary>At most 15 characters (the kernel's limit), unique per engine and policy.</summary>
    public static string BridgeName(string engineKey, EgressPolicy policy) => BridgePrefix + EgressPolicy.Hash($"{engineKey}|{policy.Canonical}");

    /// <summary>A policy label that cannot be read (a newer Berth's?) is treated as <c>none</c>: fail closed.</summary>
    public static EgressPolicy PolicyOf(IDictionary<string, string>? labels) =>
        labels is not null && labels.TryGetValue(EgressLabel, out var text) && EgressPolicy.FromCanonical(text) is { } policy
            ? policy
            : new EgressPolicy { Mode = EgressMode.None };
}
