using Berth.Contracts;
using Berth.Events;
using Microsoft.Extensions.Time.Testing;

namespace Berth.Tests.Events;

public sealed class EventQueryTests
{
    private static BerthEvent E(long seq, BerthEventType type, string? tenant, string? workload) =>
        new(seq, DateTimeOffset.UnixEpoch, type, tenant, workload, null, null, null, null);

    [Fact]
    public void Every_filter_that_is_set_must_match()
    {
        var claimed = E(1, BerthEventType.Claimed, "alice", "web");
        Assert.True(new EventQuery().Matches(claimed));
        Assert.True(new EventQuery("alice", "web", [BerthEventType.Claimed, BerthEventType.Released]).Matches(claimed));
        Assert.False(new EventQuery("bob").Matches(claimed));
        Assert.False(new EventQuery(Workload: "db").Matches(claimed));
        Assert.False(new EventQuery(Types: [BerthEventType.Released]).Matches(claimed));
        // A host's event has no tenant: a tenant filter never lets it through.
        Assert.False(new EventQuery("alice").Matches(E(2, BerthEventType.HostDown, null, null)));
    }

    [Fact]
    public void Names_are_snake_case_and_unknown_ones_are_named()
    {
        Assert.Equal("host_down", BerthEventNames.Of(BerthEventType.HostDown));
        Assert.Equal(Enum.GetValues<BerthEventType>().Length, BerthEventNames.All.Count);
        Assert.True(BerthEventNames.TryParseList(["claimed,released", "host_down", "claimed"], out var types, out _));
        Assert.Equal([BerthEventType.Claimed, BerthEventType.Released, BerthEventType.HostDown], types);
        Assert.False(BerthEventNames.TryParseList(["claimed,hostDown"], out _, out var unknown));
        Assert.Equal("hostDown", unknown);
    }

    [Fact]
    public void After_a_cursor_the_oldest_come_first_and_without_one_the_newest()
    {
        var recorder = new RecordingEventPublisher(new FakeTimeProvider());
        for (var i = 0; i < 10; i++) recorder.Publish(BerthEvents.Draft(i % 2 == 0 ? BerthEventType.Claimed : BerthEventType.Released, $"t{i % 3}", "web"));
        Assert.Equal([4L, 5, 6], MemoryEventStore.Select(recorder.Events, new EventQuery(Since: 3, Limit: 3)).Select(e => e.Sequence));
        Assert.Equal([9L, 10], MemoryEventStore.Select(recorder.Events, new EventQuery(Limit: 2)).Select(e => e.Sequence));
        Assert.Equal([2L, 8], MemoryEventStore.Select(recorder.Events, new EventQuery("t1", Types: [BerthEventType.Released], Since: 0)).Select(e => e.Sequence));
    }
}
