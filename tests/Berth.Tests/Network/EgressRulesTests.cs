using System.Net;
using System.Net.Sockets;
using Berth.Network;
using Berth.Specs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Berth.Tests.Network;

/// <summary>The rules the egress policy is made of, and the plan that installs them, without a kernel.</summary>
public sealed class EgressRulesTests
{
    private static readonly IPAddress Resolver = IPAddress.Parse("10.255.255.53");

    private static TenantNetwork Network(string bridge, EgressPolicy policy) => new($"berth-tenants-{policy.Key}", bridge, policy, "e1");

    private static EgressRuleSet Build(params TenantNetwork[] networks) => EgressRules.Build(
        AddressFamily.InterNetwork, "e1", networks, [Resolver], [IPNetwork.Parse("10.9.8.7/32")],
        new Dictionary<string, IReadOnlyList<IPAddress>> { ["api.example.com"] = [IPAddress.Parse("203.0.113.7")] });

    private static int IndexOf(IReadOnlyList<string> rules, string fragment) =>
        rules.Select((r, i) => (r, i)).First(x => x.r.Contains(fragment, StringComparison.Ordinal)).i;

    [Fact]
    public void Public_egress_gets_dns_then_the_fixed_denials_then_its_allow_list_then_private_ranges_refused_then_the_rest()
    {
        var policy = new EgressPolicy { Allow = [new EgressAllowEntry { Network = "10.1.2.3/32", Port = 5432 }] };
        var rules = Build(Network("brthaaaa", policy)).Engine;

        var dns = IndexOf(rules, $"-d {Resolver}/32 -p udp -m udp --dport 53 -j ACCEPT");
        var deny = IndexOf(rules, $"-j {EgressRules.DenyChain}");
        var allow = IndexOf(rules, "-d 10.1.2.3/32 -p tcp -m tcp --dport 5432 -j ACCEPT");
        var rfc1918 = IndexOf(rules, "-d 10.0.0.0/8 -j REJECT");
        var rest = IndexOf(rules, "-i brthaaaa -j ACCEPT");
        Assert.True(dns < deny && deny < allow && allow < rfc1918 && rfc1918 < rest, string.Join("\n", rules));
        Assert.Contains(rules, r => r.Contains("-d 10.1.2.3/32 -p udp -m udp --dport 5432 -j ACCEPT"));
        foreach (var range in new[] { "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10" }) Assert.Contains(rules, r => r.Contains($"-d {range} -j REJECT"));
        Assert.All(rules.Skip(1), r => Assert.StartsWith("-i brthaaaa ", r));
    }

    [Fact]
    public void None_refuses_all_but_its_allow_list_and_gets_no_dns_without_names()
    {
        var closed = Build(Network("brthbbbb", new EgressPolicy { Mode = EgressMode.None })).Engine;
        Assert.DoesNotContain(closed, r => r.Contains("--dport 53"));
        Assert.Equal("-i brthbbbb -j REJECT --reject-with icmp-admin-prohibited", closed[^1]);
        Assert.DoesNotContain(closed, r => r.EndsWith("-j ACCEPT", StringComparison.Ordinal));

        var named = Build(Network("brthcccc", new EgressPolicy { Mode = EgressMode.None, Allow = [new EgressAllowEntry { HostName = "api.example.com", Port = 443 }] })).Engine;
        Assert.Contains(named, r => r.Contains("--dport 53"));
        Assert.Contains(named, r => r.Contains("-d 203.0.113.7/32 -p tcp -m tcp --dport 443 -j ACCEPT"));
        Assert.Equal("-i brthcccc -j REJECT --reject-with icmp-admin-prohibited", named[^1]);
    }

    [Fact]
    public void Metadata_loopback_and_berths_own_addresses_are_denied_before_any_allow_list()
    {
        var set = Build(Network("brthaaaa", EgressPolicy.Default));
        foreach (var range in new[] { "169.254.0.0/16", "127.0.0.0/8", "10.9.8.7/32", "224.0.0.0/4" })
        {
            Assert.Contains(set.Deny, r => r == $"-d {range} -j REJECT --reject-with icmp-admin-prohibited");
        }
        Assert.DoesNotContain(set.Deny, r => r.Contains("::"));
    }

    [Fact]
    public void The_host_is_refused_on_input_and_tenants_never_reach_each_other()
    {
        var set = Build(Network("brthaaaa", EgressPolicy.Default));
        Assert.Equal("-i brth+ -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT", set.Input[1]);
        Assert.Equal("-i brth+ -j REJECT --reject-with icmp-admin-prohibited", set.Input[^1]);
        Assert.Contains("-i brth+ -o brth+ -j REJECT --reject-with icmp-admin-prohibited", set.ForwardHead);
        Assert.Equal(["-i brth+ -j REJECT --reject-with icmp-admin-prohibited"], set.ForwardTail);
    }

    [Fact]
    public void A_stacks_services_talk_within_their_own_bridge_only_and_its_policy_applies_to_it()
    {
        var stack = new TenantNetwork("berth-tenants-stack-m1", TenantNetworks.StackBridgeName("e1", "berth-tenants-stack-m1"), new EgressPolicy { Mode = EgressMode.None }, "e1");
        Assert.StartsWith(TenantNetworks.StackBridgePrefix, stack.Bridge);
        // A policy bridge's name is hex after the prefix: never mistaken for a stack's.
        Assert.DoesNotContain(TenantNetworks.StackBridgePrefix, TenantNetworks.BridgeName("e1", EgressPolicy.Default));
        var set = Build(Network("brthaaaa", EgressPolicy.Default), stack);

        var within = set.ForwardHead.ToList().IndexOf("-i brths+ -o brths+ -m physdev --physdev-is-bridged -j ACCEPT");
        var across = set.ForwardHead.ToList().IndexOf("-i brth+ -o brth+ -j REJECT --reject-with icmp-admin-prohibited");
        Assert.True(within >= 0 && within < across, string.Join("\n", set.ForwardHead));
        Assert.Equal($"-i {stack.Bridge} -j REJECT --reject-with icmp-admin-prohibited", set.Engine.Last(r => r.StartsWith($"-i {stack.Bridge} ", StringComparison.Ordinal)));
        Assert.Contains($"-i {stack.Bridge} -j {EgressRules.DenyChain}", set.Engine);
    }

    [Fact]
    public void Ipv6_rules_carry_only_ipv6_ranges()
    {
        var set = EgressRules.Build(AddressFamily.InterNetworkV6, "e1", [Network("brthaaaa", new EgressPolicy
        {
            Allow = [new EgressAllowEntry { Network = "10.1.2.3/32" }, new EgressAllowEntry { Network = "fd00::/64" }],
        })], [Resolver], [], new Dictionary<string, IReadOnlyList<IPAddress>>());
        Assert.Contains(set.Engine, r => r.Contains("-d fd00::/64 -j ACCEPT"));
        Assert.Contains(set.Engine, r => r.Contains("-d fc00::/7 -j REJECT --reject-with icmp6-adm-prohibited"));
        Assert.DoesNotContain(set.Engine.Concat(set.Deny), r => r.Contains("10.1.2.3") || r.Contains(Resolver.ToString()));
        Assert.Contains(set.Deny, r => r.StartsWith("-d fe80::/10 ", StringComparison.Ordinal));
    }

    /// <summary>What iptables-save prints once the plan has run: our chains, options reordered, comments quoted.</summary>
    private static string Saved(EgressRuleSet set, IEnumerable<string> forwardJumps, bool dockerUser, bool hooked = true)
    {
        static string Quote(string rule) => rule.StartsWith("-m comment --comment ", StringComparison.Ordinal) ? $"-m comment --comment \"{rule.Split(' ')[^1]}\"" : rule;
        var lines = new List<string> { "*filter", ":INPUT ACCEPT [0:0]", ":FORWARD DROP [0:0]" };
        if (dockerUser) lines.Add(":DOCKER-USER - [0:0]");
        lines.AddRange(new[] { EgressRules.InputChain, EgressRules.ForwardChain, EgressRules.DenyChain, set.EngineChain }.Select(c => $":{c} - [0:0]"));
        if (hooked) lines.Add($"-A INPUT -j {EgressRules.InputChain}");
        lines.Add("-A INPUT -p tcp --dport 22 -j ACCEPT");
        if (dockerUser)
        {
            lines.Add("-A FORWARD -j DOCKER-USER");
            lines.Add($"-A DOCKER-USER -j {EgressRules.ForwardChain}");
            lines.Add("-A DOCKER-USER -j RETURN");
        }
        else lines.Add($"-A FORWARD -j {EgressRules.ForwardChain}");
        lines.AddRange(set.Input.Select(r => $"-A {EgressRules.InputChain} {Quote(r)}"));
        lines.AddRange(set.ForwardHead.Concat(forwardJumps).Concat(set.ForwardTail).Select(r => $"-A {EgressRules.ForwardChain} {Quote(r)}"));
        lines.AddRange(set.Deny.Select(r => $"-A {EgressRules.DenyChain} {Quote(r)}"));
        lines.AddRange(set.Engine.Select(r => $"-A {set.EngineChain} {Quote(r)}"));
        lines.Add("COMMIT");
        return string.Join("\n", lines);
    }

    [Fact]
    public void Rules_in_place_need_no_change_and_a_changed_policy_rewrites_only_its_engine_chain()
    {
        var set = Build(Network("brthaaaa", EgressPolicy.Default));
        var jumps = new[] { "-j BERTH-E-e0", $"-j {set.EngineChain}" };
        Assert.Null(IptablesHostFirewall.Plan(SavedTable.Parse(Saved(set, jumps, dockerUser: true)), set));

        var changed = Build(Network("brthaaaa", EgressPolicy.Default), Network("brthbbbb", new EgressPolicy { Mode = EgressMode.None }));
        var plan = IptablesHostFirewall.Plan(SavedTable.Parse(Saved(set, jumps, dockerUser: true)), changed)!;
        Assert.Contains($":{changed.EngineChain} - [0:0]", plan);
        Assert.DoesNotContain($":{EgressRules.InputChain} ", plan);
        Assert.DoesNotContain($":{EgressRules.ForwardChain} ", plan);
        Assert.Contains("-A BERTH-E-e1 -i brthbbbb -j REJECT", plan);
        Assert.EndsWith("COMMIT\n", plan);
    }

    [Fact]
    public void A_rewritten_forward_chain_keeps_the_other_engines_jumps()
    {
        var set = Build(Network("brthaaaa", EgressPolicy.Default));
        // Another engine on this machine hooked in; this engine's jump is missing.
        var plan = IptablesHostFirewall.Plan(SavedTable.Parse(Saved(set, ["-j BERTH-E-e0"], dockerUser: true)), set)!;
        Assert.Contains($":{EgressRules.ForwardChain} - [0:0]", plan);
        Assert.Contains($"-A {EgressRules.ForwardChain} -j BERTH-E-e0\n", plan);
        Assert.Contains($"-A {EgressRules.ForwardChain} -j {set.EngineChain}\n", plan);
        Assert.True(plan.IndexOf("-j BERTH-E-", StringComparison.Ordinal) < plan.LastIndexOf("-A BERTH-FORWARD -i brth+ -j REJECT", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_or_displaced_hook_is_put_first_again()
    {
        var set = Build(Network("brthaaaa", EgressPolicy.Default));
        var jumps = new[] { $"-j {set.EngineChain}" };
        var missing = IptablesHostFirewall.Plan(SavedTable.Parse(Saved(set, jumps, dockerUser: true, hooked: false)), set)!;
        Assert.Contains("-I INPUT 1 -j BERTH-INPUT", missing);
        Assert.DoesNotContain("-D INPUT", missing);

        var displaced = Saved(set, jumps, dockerUser: true).Replace($"-A INPUT -j {EgressRules.InputChain}\n-A INPUT -p tcp --dport 22 -j ACCEPT", $"-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -j {EgressRules.InputChain}");
        var moved = IptablesHostFirewall.Plan(SavedTable.Parse(displaced), set)!;
        Assert.Contains("-D INPUT -j BERTH-INPUT\n-I INPUT 1 -j BERTH-INPUT", moved);

        // Without Docker's chains (an engine run with --iptables=false), FORWARD itself is hooked.
        var plain = IptablesHostFirewall.Plan(SavedTable.Parse(Saved(set, jumps, dockerUser: false)), set);
        Assert.Null(plain);
    }

    [Fact]
    public async Task A_bridge_outside_this_network_namespace_makes_the_host_unmanaged()
    {
        var firewall = new IptablesHostFirewall(
            new BerthOwnAddresses(new ServiceCollection().BuildServiceProvider(),
                Options.Create(new Berth.Configuration.BerthOptions()), Options.Create(new Berth.Configuration.DatabaseOptions())),
            NullLogger<IptablesHostFirewall>.Instance);
        var result = await firewall.EnforceAsync("e1", [Network("brthnotthere", EgressPolicy.Default)], CancellationToken.None);
        Assert.False(result.Managed);
        Assert.Contains("brthnotthere", result.Problem);
        Assert.Contains("network namespace", result.Problem);
    }
}
