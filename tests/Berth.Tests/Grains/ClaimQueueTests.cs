using Berth.Pools;
using Berth.Specs;

namespace Berth.Tests.Grains;

/// <summary>The line of waiting claims, without a cluster.</summary>
public sealed class ClaimQueueTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Claims_are_served_in_arrival_order_and_asking_again_keeps_the_place()
    {
        var queue = new ClaimQueue();
        Assert.Equal(0, queue.Join("a", T0.AddSeconds(30)));
        Assert.Equal(1, queue.Join("b", T0.AddSeconds(30)));
        Assert.Equal(0, queue.Join("a", T0.AddSeconds(99)));
        Assert.Equal(2, queue.Join("c", T0.AddSeconds(30)));
        Assert.Equal("a", queue.Next(T0));
        Assert.Equal(0, queue.PositionOf("b"));
        Assert.Equal("b", queue.Next(T0));
        Assert.Equal("c", queue.Next(T0));
        Assert.Null(queue.Next(T0));
    }

    [Fact]
    public void Claims_past_their_deadline_or_gone_are_skipped()
    {
        var queue = new ClaimQueue();
        queue.Join("early", T0.AddSeconds(1));
        queue.Join("left", T0.AddSeconds(30));
        queue.Join("late", T0.AddSeconds(30));
        queue.Leave("left");
        Assert.Equal(-1, queue.PositionOf("left"));
        Assert.Equal("late", queue.Next(T0.AddSeconds(2)));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void A_claim_waits_thirty_seconds_by_default_and_zero_turns_the_line_off()
    {
        Assert.Equal(TimeSpan.FromSeconds(30), WorkloadSpecParser.ParseYaml("id: w\nimage: i\n").Pool.ClaimWait);
        Assert.Equal(TimeSpan.Zero, WorkloadSpecParser.ParseYaml("id: w\nimage: i\npool:\n  claim_wait: 0s\n").Pool.ClaimWait);
    }
}
