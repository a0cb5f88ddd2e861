using Berth.Specs;

namespace Berth.Tests.Specs;

/// <summary><c>network.egress</c>: its forms, its meaning, and a 400 naming the field for every mistake.</summary>
public sealed class EgressSpecTests
{
    private static WorkloadSpec Parse(string network) => WorkloadSpecParser.ParseYaml($"id: w\nimage: i\n{network}");

    [Fact]
    public void Without_a_network_section_egress_is_public()
    {
        var spec = Parse("");
        Assert.Equal(EgressMode.Public, spec.Egress.Mode);
        Assert.Empty(spec.Egress.Allow);
        Assert.Equal("public", spec.Egress.Key);
    }

    [Theory]
    [InlineData("network:\n  egress: none\n", EgressMode.None)]
    [InlineData("network:\n  egress: public\n", EgressMode.Public)]
    [InlineData("network:\n  egress: {mode: none}\n", EgressMode.None)]
    [InlineData("network:\n  egress: {allow: [\"10.1.2.3:5432\"]}\n", EgressMode.Public)]
    public void The_mode_is_read_from_either_form(string network, EgressMode mode) => Assert.Equal(mode, Parse(network).Egress.Mode);

    [Fact]
    public void Allow_entries_are_normalised_ranges_addresses_and_names_with_optional_ports()
    {
        var spec = Parse("""
            network:
              egress:
                mode: none
                allow: ["10.1.0.0/16", "10.2.3.4", "10.2.3.5:5432", "API.Example.com:443", "pypi.org", "[fd00::1]:53", "fd00::/64"]
            """);
        Assert.Equal(
            ["10.1.0.0/16", "10.2.3.4/32", "10.2.3.5/32:5432", "api.example.com:443", "pypi.org", "[fd00::1/128]:53", "fd00::/64"],
            spec.Egress.Allow.Select(a => a.ToString()));
        Assert.Equal(5432, spec.Egress.Allow[2].Port);
        Assert.Equal("api.example.com", spec.Egress.Allow[3].HostName);
        Assert.Null(spec.Egress.Allow[4].Port);
    }

    [Fact]
    public void Policies_with_the_same_entries_in_another_order_share_one_network()
    {
        var a = Parse("network:\n  egress: {mode: none, allow: [\"10.0.0.1\", \"example.com:443\"]}\n").Egress;
        var b = Parse("network:\n  egress: {mode: none, allow: [\"example.com:443\", \"10.0.0.1\"]}\n").Egress;
        var c = Parse("network:\n  egress: {mode: public, allow: [\"example.com:443\", \"10.0.0.1\"]}\n").Egress;
        Assert.Equal(a.Key, b.Key);
        Assert.NotEqual(a.Key, c.Key);
        Assert.StartsWith("none-", a.Key);
        Assert.Equal(a, EgressPolicy.FromCanonical(a.Canonical));
    }

    [Fact]
    public void A_policy_change_changes_the_spec_version_so_members_are_replaced()
    {
        Assert.NotEqual(WorkloadSpecVersion.Compute(Parse("")), WorkloadSpecVersion.Compute(Parse("network:\n  egress: none\n")));
    }

    [Theory]
    [InlineData("network:\n  egress: open\n", "network.egress", "must be public")]
    [InlineData("network:\n  egress: {mode: all}\n", "network.egress.mode", "must be public")]
    [InlineData("network:\n  egress: {allow: \"10.0.0.1\"}\n", "network.egress.allow", "must be a list")]
    [InlineData("network:\n  egress: {allow: [\"10.0.0.1:99999\"]}\n", "network.egress.allow[0]", "port that is not 1-65535")]
    [InlineData("network:\n  egress: {allow: [\"10.0.0.300\"]}\n", "network.egress.allow[0]", "not a valid address")]
    [InlineData("network:\n  egress: {allow: [\"10.0.0.1/40\"]}\n", "network.egress.allow[0]", "not a valid address")]
    [InlineData("network:\n  egress: {allow: [\"bad_name!\"]}\n", "network.egress.allow[0]", "must be a CIDR range")]
    [InlineData("network:\n  egress: {allow: [\"169.254.169.254\"]}\n", "network.egress.allow[0]", "never reaches")]
    [InlineData("network:\n  egress: {allow: [\"127.0.0.1:8080\"]}\n", "network.egress.allow[0]", "never reaches")]
    [InlineData("network:\n  egress: {allow: [\"10.0.0.1\", \"10.0.0.1/32\"]}\n", "network.egress.allow[1]", "listed twice")]
    [InlineData("network:\n  egress: {allow: [], deny: []}\n", "network.egress.deny", "unknown field")]
    [InlineData("network:\n  firewall: on\n", "network.firewall", "unknown field")]
    [InlineData("network_mode: none\nnetwork:\n  egress: public\n", "network.egress", "no effect with network_mode: none")]
    public void A_bad_policy_is_refused_naming_the_field(string yaml, string field, string message)
    {
        var error = Assert.Throws<WorkloadSpecException>(() => Parse(yaml));
        var found = Assert.Single(error.Errors, e => e.Path == field);
        Assert.Contains(message, found.Message);
    }
}
