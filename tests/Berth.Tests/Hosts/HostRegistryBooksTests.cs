using Berth.Contracts;
using Berth.Errors;
using Berth.Hosts;

namespace Berth.Tests.Hosts;

public sealed class HostRegistryBooksTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan DownAfter = TimeSpan.FromSeconds(30);

    private static HostRegistration Registration(string id, string source = "configuration") =>
        new() { HostId = id, Endpoint = "unix:///var/run/docker.sock", Source = source, Labels = new() { ["zone"] = "a" } };

    private static HostHeartbeat Beat(string id, int containers = 0, bool reachable = true) => new(id, reachable, containers, null, "managed", 0);

    [Fact]
    public void A_host_silent_for_HostDownAfter_is_down_since_it_was_last_heard_and_comes_back_when_it_answers()
    {
        var books = new HostRegistryBooks(new HostRegistryState(), T0);
        books.Register(Registration("h1"), T0);
        books.Register(Registration("h2"), T0);
        books.Heartbeat(Beat("h1"), T0.AddSeconds(10));
        books.Heartbeat(Beat("h2"), T0.AddSeconds(10));
        // Answers that say the engine did not list count for nothing.
        books.Heartbeat(Beat("h2", reachable: false), T0.AddSeconds(25));
        Assert.Empty(books.MarkSilentDown(DownAfter, T0.AddSeconds(39)));
        books.Heartbeat(Beat("h1"), T0.AddSeconds(35));
        var down = books.MarkSilentDown(DownAfter, T0.AddSeconds(41));
        Assert.Equal("h2", Assert.Single(down).HostId);
        Assert.Equal(T0.AddSeconds(10), down[0].DownSince);
        Assert.Equal(HostState.Down, books.Entry("h2")!.State);
        Assert.Empty(books.MarkSilentDown(DownAfter, T0.AddSeconds(50))); // Once.

        var version = books.Version;
        Assert.True(books.Heartbeat(Beat("h2", containers: 3), T0.AddSeconds(60)));
        Assert.Equal(HostState.Active, books.Entry("h2")!.State);
        Assert.Null(books.Entry("h2")!.DownSince);
        Assert.NotEqual(version, books.Version);
    }

    [Fact]
    public void A_new_activation_gives_every_host_a_fresh_deadline_but_keeps_a_down_host_down()
    {
        var state = new HostRegistryState();
        var first = new HostRegistryBooks(state, T0);
        first.Register(Registration("h1"), T0);
        first.Register(Registration("h2"), T0);
        first.MarkSilentDown(DownAfter, T0.AddSeconds(31));
        Assert.Equal(HostState.Down, first.Entry("h1")!.State);

        var second = new HostRegistryBooks(state, T0.AddMinutes(5));
        Assert.Equal(HostState.Down, second.Entry("h1")!.State);
        second.Heartbeat(Beat("h1"), T0.AddMinutes(5));
        Assert.Empty(second.MarkSilentDown(DownAfter, T0.AddMinutes(5).AddSeconds(20)));
        Assert.NotEqual(first.Version, second.Version);
    }

    [Fact]
    public void A_drain_of_a_host_whose_last_sweep_counted_nothing_completes_only_after_the_next_sweep_finds_it_empty()
    {
        var books = new HostRegistryBooks(new HostRegistryState(), T0);
        books.Register(Registration("h1"), T0);
        books.Heartbeat(Beat("h1", containers: 0), T0);

        // A container created since that sweep is not counted yet: the drain is not done on the old count.
        var draining = books.Act("h1", HostAction.Drain, T0.AddSeconds(1));
        Assert.Null(draining.Drain!.CompletedAt);
        books.Heartbeat(Beat("h1", containers: 1), T0.AddSeconds(2));
        Assert.Equal((1, 1, (DateTimeOffset?)null), (books.Entry("h1")!.Drain!.Total, books.Entry("h1")!.Drain!.Remaining, books.Entry("h1")!.Drain!.CompletedAt));
        books.Heartbeat(Beat("h1", containers: 0), T0.AddSeconds(3));
        Assert.Equal(T0.AddSeconds(3), books.Entry("h1")!.Drain!.CompletedAt);

        // An empty host's drain completes with the next sweep.
        books.Register(Registration("h2"), T0);
        books.Heartbeat(Beat("h2", containers: 0), T0);
        Assert.Null(books.Act("h2", HostAction.Drain, T0.AddSeconds(1)).Drain!.CompletedAt);
        books.Heartbeat(Beat("h2", containers: 0), T0.AddSeconds(2));
        Assert.Equal(T0.AddSeconds(2), books.Entry("h2")!.Drain!.CompletedAt);
    }

    [Fact]
    public void Operators_cordon_drain_and_remove_by_one_table_and_get_409s_where_an_action_does_not_apply()
    {
        var books = new HostRegistryBooks(new HostRegistryState(), T0);
        books.Register(Registration("h1"), T0);
        books.Heartbeat(Beat("h1", containers: 4), T0);
        Assert.Equal(HostState.Cordoned, books.Act("h1", HostAction.Cordon, T0).State);
        Assert.Equal(HostState.Active, books.Act("h1", HostAction.Uncordon, T0).State);

        var draining = books.Act("h1", HostAction.Drain, T0);
        Assert.Equal(HostState.Draining, draining.State);
        Assert.Equal(new HostDrain(false, T0, 4, 4, null), draining.Drain);
        Assert.True(books.Act("h1", HostAction.Drain, T0, evict: true).Drain!.Evict);
        books.Heartbeat(Beat("h1", containers: 1), T0.AddSeconds(5));
        Assert.Equal(3, books.Entry("h1")!.Drain!.Done);
        books.Heartbeat(Beat("h1", containers: 0), T0.AddSeconds(9));
        Assert.Equal(T0.AddSeconds(9), books.Entry("h1")!.Drain!.CompletedAt);

        books.Heartbeat(Beat("h1", containers: 2), T0.AddSeconds(10));
        Assert.Null(books.Entry("h1")!.Drain!.CompletedAt);
        var refused = Assert.Throws<BerthException>(() => books.Act("h1", HostAction.Remove, T0));
        Assert.Equal(BerthErrorKind.Conflict, refused.Kind);
        Assert.Contains("still runs 2 Berth containers", refused.Message);
        Assert.Equal(HostState.Removed, books.Act("h1", HostAction.Remove, T0, force: true).State);
        Assert.Equal(BerthErrorKind.Conflict, Assert.Throws<BerthException>(() => books.Act("h1", HostAction.Cordon, T0)).Kind);
        Assert.Equal(BerthErrorKind.NotFound, Assert.Throws<BerthException>(() => books.Act("nope", HostAction.Cordon, T0)).Kind);
        // A removed host is not silent: it is no longer watched.
        Assert.Empty(books.MarkSilentDown(DownAfter, T0.AddHours(1)));
    }

    [Fact]
    public void A_removed_host_comes_back_from_an_agent_or_an_operator_but_not_from_a_silos_configuration()
    {
        var books = new HostRegistryBooks(new HostRegistryState(), T0);
        books.Register(Registration("h1"), T0);
        books.Act("h1", HostAction.Remove, T0);
        var (entry, changed) = books.Register(Registration("h1"), T0.AddMinutes(1));
        Assert.False(changed);
        Assert.Equal(HostState.Removed, entry.State);
        Assert.Equal(HostState.Active, books.Register(Registration("h1", source: "agent"), T0.AddMinutes(2)).Entry.State);
        // The same registration again changes nothing stored.
        Assert.False(books.Register(Registration("h1", source: "agent"), T0.AddMinutes(3)).Changed);
        Assert.True(books.Register(Registration("h1", source: "agent") with { Labels = new() { ["zone"] = "b" } }, T0.AddMinutes(3)).Changed);
    }
}
