using Berth.Contracts;
using Berth.Pools;

namespace Berth.Tests.Hosts;

public sealed class HostChoiceTests
{
    private static HostEntry Host(string id, int containers, int? max = null, HostState state = HostState.Active, string? problem = null, Dictionary<string, string>? labels = null) => new()
    {
        Registration = new HostRegistration { HostId = id, MaxContainers = max, Labels = labels ?? new() },
        State = state,
        Containers = containers,
        Problem = problem,
    };

    private static readonly Dictionary<string, string> NoLabels = new();

    [Fact]
    public void The_host_with_the_most_free_capacity_wins_counting_what_the_pool_is_creating_there()
    {
        HostEntry[] hosts = [Host("h1", 3, max: 10), Host("h2", 1, max: 5), Host("h3", 0)];
        // h3 has no limit: its free room is the largest while it runs fewer containers than the others' room.
        Assert.Equal("h3", HostChoice.Pick(hosts, NoLabels, _ => 0, _ => true, new Random(1)));
        HostEntry[] bounded = [Host("h1", 3, max: 10), Host("h2", 1, max: 5)];
        Assert.Equal("h1", HostChoice.Pick(bounded, NoLabels, _ => 0, _ => true, new Random(1)));
        // Four members on their way to h1 leave it 3 free, against h2's 4.
        Assert.Equal("h2", HostChoice.Pick(bounded, NoLabels, h => h == "h1" ? 4 : 0, _ => true, new Random(1)));
    }

    [Fact]
    public void Full_cordoned_draining_down_unhealthy_and_unusable_hosts_are_skipped()
    {
        HostEntry[] hosts =
        [
            Host("full", 5, max: 5),
            Host("cordoned", 0, state: HostState.Cordoned),
            Host("draining", 0, state: HostState.Draining),
            Host("down", 0, state: HostState.Down),
            Host("unhealthy", 0, problem: "creates keep failing"),
            Host("refused", 0),
        ];
        Assert.Null(HostChoice.Pick(hosts, NoLabels, _ => 0, h => h is not ("refused" or "unhealthy"), new Random(1)));
        var why = HostChoice.WhyNone(hosts, NoLabels, _ => null);
        Assert.Contains("'full' is full (5 of 5 containers)", why);
        Assert.Contains("'cordoned' is cordoned", why);
        Assert.Contains("'down' is down", why);
        Assert.Contains("creates keep failing", why);
    }

    [Fact]
    public void Placement_labels_must_all_match()
    {
        HostEntry[] hosts =
        [
            Host("eu", 0, labels: new() { ["zone"] = "eu", ["tier"] = "cpu" }),
            Host("eu-gpu", 5, labels: new() { ["zone"] = "eu", ["tier"] = "gpu" }),
            Host("us-gpu", 0, labels: new() { ["zone"] = "us", ["tier"] = "gpu" }),
        ];
        var euGpu = new Dictionary<string, string> { ["zone"] = "eu", ["tier"] = "gpu" };
        for (var seed = 0; seed < 20; seed++)
        {
            Assert.Equal("eu-gpu", HostChoice.Pick(hosts, euGpu, _ => 0, _ => true, new Random(seed)));
        }
        Assert.Null(HostChoice.Pick(hosts, new Dictionary<string, string> { ["zone"] = "ap" }, _ => 0, _ => true, new Random(1)));
        Assert.Contains("lacks placement.labels zone=ap", HostChoice.WhyNone(hosts, new Dictionary<string, string> { ["zone"] = "ap" }, _ => null));
    }

    [Fact]
    public void Ties_break_at_random_so_single_member_pools_spread()
    {
        HostEntry[] hosts = [Host("h1", 2), Host("h2", 2), Host("h3", 2)];
        var random = new Random(7);
        var picks = Enumerable.Range(0, 300).Select(_ => HostChoice.Pick(hosts, NoLabels, _ => 0, _ => true, random)!).ToList();
        foreach (var host in new[] { "h1", "h2", "h3" })
        {
            // Each of three equal hosts should get about a third; far from a third means no spread.
            Assert.InRange(picks.Count(p => p == host), 60, 140);
        }
    }
}
