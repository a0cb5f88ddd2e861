using System.Net;
using Berth.Network;

namespace Berth.Tests.Network;

/// <summary>How a stack network's subnet is chosen, and how the machine's routes are read, without an engine.</summary>
public sealed class StackSubnetsTests
{
    private static readonly IPNetwork Range = IPNetwork.Parse("10.213.0.0/16");

    [Fact]
    public void Every_candidate_is_a_distinct_27_inside_the_range_and_the_start_depends_on_the_seed()
    {
        var candidates = StackSubnets.Candidates(Range, "berth-tenants-stack-m1").ToList();

        Assert.Equal(2048, candidates.Count);
        Assert.Equal(candidates.Count, candidates.Distinct().Count());
        Assert.All(candidates, c =>
        {
            Assert.Equal(StackSubnets.PrefixLength, c.PrefixLength);
            Assert.True(Range.Contains(c.BaseAddress), $"{c} is outside {Range}");
        });
        Assert.NotEqual(candidates[0], StackSubnets.Candidates(Range, "berth-tenants-stack-m2").First());
        Assert.Equal(candidates[0], StackSubnets.Candidates(Range, "berth-tenants-stack-m1").First());
    }

    [Fact]
    public void A_subnet_overlapping_anything_taken_is_skipped()
    {
        var first = StackSubnets.Candidates(Range, "seed").First();
        var second = StackSubnets.Candidates(Range, "seed").Skip(1).First();
        // A wide route over the first candidate, and a single address inside the second.
        IReadOnlyCollection<IPNetwork> taken = [new IPNetwork(first.BaseAddress, 24), new IPNetwork(StackSubnets.Gateway(second), 32)];

        var chosen = StackSubnets.Choose(Range, "seed", taken);

        Assert.NotNull(chosen);
        Assert.DoesNotContain(taken, t => StackSubnets.Overlap(t, chosen.Value));
        Assert.True(Range.Contains(chosen.Value.BaseAddress));
    }

    [Fact]
    public void A_full_range_answers_null()
    {
        var small = IPNetwork.Parse("10.213.0.0/26");
        Assert.Equal(2, StackSubnets.Candidates(small, "x").Count());

        Assert.Null(StackSubnets.Choose(small, "x", [small]));
        Assert.NotNull(StackSubnets.Choose(small, "x", [IPNetwork.Parse("10.213.0.0/27")]));
    }

    [Theory]
    [InlineData("10.213.0.0/28")]
    [InlineData("fd00::/64")]
    public void Ranges_that_hold_no_stack_subnet_are_refused(string range)
    {
        Assert.Throws<ArgumentException>(() => StackSubnets.Candidates(IPNetwork.Parse(range), "x").ToList());
    }

    [Fact]
    public void The_gateway_is_the_first_host_address()
    {
        Assert.Equal(IPAddress.Parse("10.213.4.33"), StackSubnets.Gateway(IPNetwork.Parse("10.213.4.32/27")));
    }

    [Fact]
    public void Routes_are_read_from_the_kernels_table_without_the_default_route()
    {
        const string table = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
            + "eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
            + "docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n"
            + "br-e2\t00FA1FAC\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
            + "brths1\t2004D50A\t00000000\t0001\t0\t0\t0\tE0FFFFFF\t0\t0\t0\n";

        var routes = StackSubnets.ParseRoutes(table);

        Assert.Equal([IPNetwork.Parse("172.17.0.0/16"), IPNetwork.Parse("172.31.250.0/24"), IPNetwork.Parse("10.213.4.32/27")], routes);
    }
}
