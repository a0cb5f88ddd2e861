using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Berth.Network;

/// <summary>
/// Enforces the egress policy with iptables and ip6tables on the machine this silo runs on, which
/// must be the one the engine runs on (its tenant bridges must be visible here). A check is one
/// <c>iptables-save</c> per family; only chains that differ from <see cref="EgressRules"/> are
/// rewritten, atomically, with <c>iptables-restore --noflush</c>. Engines sharing the machine each
/// keep a chain of their own, so their silos never undo each other's rules.
/// </summary>
public sealed class IptablesHostFirewall(BerthOwnAddresses ownAddresses, ILogger<IptablesHostFirewall> logger) : IHostFirewall
{
    /// <summary>One writer per process: concurrent host grains would otherwise race on the shared chains.</summary>
    private static readonly SemaphoreSlim Writer = new(1, 1);
    private static readonly TimeSpan CommandLimit = TimeSpan.FromSeconds(15);

    private sealed record Family(AddressFamily AddressFamily, string Save, string Restore);

    private static readonly Family V4 = new(AddressFamily.InterNetwork, "iptables-save", "iptables-restore");
    private static readonly Family V6 = new(AddressFamily.InterNetworkV6, "ip6tables-save", "ip6tables-restore");

    public async Task<EgressEnforcement> EnforceAsync(string engineKey, IReadOnlyList<TenantNetwork> networks, CancellationToken cancellationToken)
    {
        if (networks.FirstOrDefault(n => !Directory.Exists($"/sys/class/net/{n.Bridge}")) is { } unseen)
        {
            return EgressEnforcement.Unmanaged($"the engine's bridge {unseen.Bridge} (network {unseen.Name}) is not in this silo's network namespace: "
                + "the engine is remote, or the silo runs in a container without host networking; run a silo on the engine's host");
        }
        var notes = new List<string>();
        var resolved = await ResolveAsync(networks, notes, cancellationToken);
        var nameservers = Nameservers();
        var berth = await ownAddresses.GetAsync(cancellationToken);
        var ipv6 = Ipv6InUse();
        await Writer.WaitAsync(cancellationToken);
        try
        {
            foreach (var family in ipv6 ? new[] { V4, V6 } : [V4])
            {
                var wanted = EgressRules.Build(family.AddressFamily, engineKey, networks, nameservers, berth, resolved);
                if (await ApplyAsync(family, wanted, cancellationToken) is { } problem)
                {
                    return EgressEnforcement.Unmanaged(problem);
                }
            }
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or TimeoutException or IOException)
        {
            return EgressEnforcement.Unmanaged($"iptables cannot be run here: {ex.Message}");
        }
        finally
        {
            Writer.Release();
        }
        if (!ipv6) notes.Add("IPv6 is off on this host: no ip6tables rules needed");
        return new EgressEnforcement(true, null, notes);
    }

    /// <summary>Null when the family's rules are in place (now); otherwise why they could not be.</summary>
    private async Task<string?> ApplyAsync(Family family, EgressRuleSet wanted, CancellationToken cancellationToken)
    {
        var saved = await CommandRunner.RunAsync(family.Save, ["-t", "filter"], null, CommandLimit, cancellationToken);
        if (saved.ExitCode != 0)
        {
            return $"{family.Save} failed ({saved.ExitCode}): {saved.Error.Trim()} (Berth needs root or CAP_NET_ADMIN on the engine's host to enforce egress policy)";
        }
        var current = SavedTable.Parse(saved.Output);
        var payload = Plan(current, wanted);
        if (payload is null) return null;
        var restored = await CommandRunner.RunAsync(family.Restore, ["-w", "5", "--noflush"], payload, CommandLimit, cancellationToken);
        if (restored.ExitCode != 0)
        {
            return $"{family.Restore} refused the egress rules ({restored.ExitCode}): {restored.Error.Trim()}";
        }
        logger.LogInformation("Installed the egress rules of engine chain {Chain} ({Family})", wanted.EngineChain, family.AddressFamily);
        return null;
    }

    /// <summary>The iptables-restore input that brings <paramref name="current"/> to <paramref name="wanted"/>; null when nothing differs.</summary>
    public static string? Plan(SavedTable current, EgressRuleSet wanted)
    {
        var declare = new List<string>();
        var rules = new List<string>();
        void Rewrite(string chain, IEnumerable<string> chainRules)
        {
            declare.Add($":{chain} - [0:0]");
            rules.AddRange(chainRules.Select(r => $"-A {chain} {r}"));
        }

        if (!current.Matches(EgressRules.InputChain, wanted.Input)) Rewrite(EgressRules.InputChain, wanted.Input);
        if (!current.Matches(EgressRules.DenyChain, wanted.Deny)) Rewrite(EgressRules.DenyChain, wanted.Deny);
        if (!current.Matches(wanted.EngineChain, wanted.Engine)) Rewrite(wanted.EngineChain, wanted.Engine);

        // BERTH-FORWARD is shared by the engines of this machine: keep the others' jumps.
        var jumps = current.Rules(EgressRules.ForwardChain)
            .Where(r => r.StartsWith($"-j {EgressRules.EngineChainPrefix}", StringComparison.Ordinal))
            .Append($"-j {wanted.EngineChain}")
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToList();
        List<string> forward = [.. wanted.ForwardHead, .. jumps, .. wanted.ForwardTail];
        var forwardInPlace = current.Matches(EgressRules.ForwardChain, wanted.ForwardHead, forward.Count)
            && current.Rules(EgressRules.ForwardChain).Skip(wanted.ForwardHead.Count).Take(jumps.Count).SequenceEqual(jumps, StringComparer.Ordinal);
        if (!forwardInPlace) Rewrite(EgressRules.ForwardChain, forward);

        // The hooks: first in INPUT, and first in DOCKER-USER where Docker runs FORWARD through it.
        var hooks = new List<string>();
        void Hook(string chain, string target)
        {
            var rule = $"-j {target}";
            var present = current.Rules(chain).Count(r => r == rule);
            if (present == 1 && current.Rules(chain).FirstOrDefault() == rule) return;
            for (var i = 0; i < present; i++) hooks.Add($"-D {chain} {rule}");
            hooks.Add($"-I {chain} 1 {rule}");
        }
        void Unhook(string chain, string target)
        {
            foreach (var _ in current.Rules(chain).Where(r => r == $"-j {target}")) hooks.Add($"-D {chain} -j {target}");
        }
        Hook("INPUT", EgressRules.InputChain);
        var dockerUser = current.HasChain("DOCKER-USER") && current.Rules("FORWARD").Contains("-j DOCKER-USER");
        Hook(dockerUser ? "DOCKER-USER" : "FORWARD", EgressRules.ForwardChain);
        if (dockerUser) Unhook("FORWARD", EgressRules.ForwardChain);

        if (declare.Count == 0 && hooks.Count == 0) return null;
        var text = new StringBuilder("*filter\n");
        foreach (var line in declare.Concat(rules).Concat(hooks)) text.Append(line).Append('\n');
        return text.Append("COMMIT\n").ToString();
    }

    private static async Task<IReadOnlyDictionary<string, IReadOnlyList<IPAddress>>> ResolveAsync(
        IReadOnlyList<TenantNetwork> networks, List<string> notes, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, IReadOnlyList<IPAddress>>(StringComparer.Ordinal);
        foreach (var name in networks.SelectMany(n => n.Policy.Allow).Select(a => a.HostName).OfType<string>().Distinct())
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(3));
                result[name] = await Dns.GetHostAddressesAsync(name, timeout.Token);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                // Stays closed until it resolves: an allow entry never widens by failing.
                notes.Add($"allowed host '{name}' does not resolve: {ex.Message}");
            }
        }
        return result;
    }

    /// <summary>The resolvers Docker's embedded DNS forwards to: the host's, loopback ones aside (Docker then uses public ones).</summary>
    private static IReadOnlyList<IPAddress> Nameservers()
    {
        var result = new List<IPAddress>();
        foreach (var file in new[] { "/etc/resolv.conf", "/run/systemd/resolve/resolv.conf" }.Where(File.Exists))
        {
            foreach (var line in File.ReadLines(file))
            {
                var parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (parts is ["nameserver", var text, ..] && IPAddress.TryParse(text, out var address) && !IPAddress.IsLoopback(address))
                {
                    result.Add(address);
                }
            }
        }
        return [.. result.Distinct()];
    }

    /// <summary>Whether a container could speak IPv6 at all (link-local reaches the host): then ip6tables rules are needed too.</summary>
    private static bool Ipv6InUse() =>
        File.Exists("/proc/net/if_inet6")
        && !(File.Exists("/proc/sys/net/ipv6/conf/all/disable_ipv6") && File.ReadAllText("/proc/sys/net/ipv6/conf/all/disable_ipv6").Trim() == "1");
}
