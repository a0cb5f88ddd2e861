using Berth.Contracts;
using Berth.Hosts;

namespace Berth.Tests.Hosts;

/// <summary>How a host's listing of stack containers becomes one member per stack for the pools.</summary>
public sealed class HostStacksTests
{
    private static ObservedContainer Service(string member, string service, int order, bool primary, string state = "running", string? health = null, int count = 2) =>
        new($"{member}-{service}", member, "w", state, health, service, order, primary, count);

    [Fact]
    public void A_stack_is_reported_once_under_its_primary_with_the_state_of_its_first_failing_service()
    {
        var single = new ObservedContainer("c1", "m1", "w", "running", null);
        var folded = HostStacks.Fold([single, Service("m2", "db", 0, false), Service("m2", "web", 1, true),
            Service("m3", "db", 0, false, health: "unhealthy"), Service("m3", "web", 1, true, health: "healthy")]);

        Assert.Equal(3, folded.Count);
        Assert.Contains(single, folded);
        var healthy = folded.Single(c => c.MemberId == "m2");
        Assert.Equal(("m2-web", "running", true), (healthy.ContainerId, healthy.State, healthy.IsServing));
        var sick = folded.Single(c => c.MemberId == "m3");
        Assert.Equal(("m3-web", "unhealthy"), (sick.ContainerId, sick.Health));
        Assert.False(sick.IsServing);
    }

    [Fact]
    public void A_stack_missing_a_service_or_its_primary_is_dead()
    {
        var folded = HostStacks.Fold([Service("m1", "web", 1, true), Service("m2", "db", 0, false)]);

        Assert.Equal(("m1-web", "dead"), (folded[0].ContainerId, folded[0].State));
        // No primary: reported under what is left, which the pool removes as not its member's container.
        Assert.Equal(("m2-db", "dead"), (folded[1].ContainerId, folded[1].State));
    }

    [Fact]
    public void Any_container_stands_for_its_stack_and_a_listing_older_than_a_create_keeps_it()
    {
        var stacks = new HostStacks();
        var now = DateTimeOffset.UtcNow;
        stacks.Add([new StackContainer("m1", "db", "a", 0, false), new StackContainer("m1", "web", "b", 1, true)], now);

        Assert.Equal(["a", "b"], stacks.StackOf("b")!.Select(c => c.ContainerId));
        Assert.Null(stacks.StackOf("other"));

        stacks.Replace([Service("m2", "db", 0, false)], now - TimeSpan.FromSeconds(1));
        Assert.NotNull(stacks.StackOf("a"));
        Assert.NotNull(stacks.StackOf("m2-db"));
        Assert.True(stacks.Listed);

        // A newer listing that no longer shows it: it is gone.
        stacks.Replace([], now + TimeSpan.FromSeconds(1));
        Assert.Null(stacks.StackOf("a"));

        stacks.Add([new StackContainer("m3", "web", "c", 0, true)], now);
        stacks.Forget("m3");
        Assert.Null(stacks.StackOf("c"));
    }
}
