using Berth.Contracts;
using Berth.Pools;
using Berth.Specs;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Berth.Tests.Grains;

/// <summary>The pool's bookkeeping, without a cluster: what a claim writes, counts, host choice, host reports.</summary>
public sealed class PoolBooksTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);
    private static readonly string[] Hosts = ["h1", "h2"];

    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(PoolState).Assembly).AddAssembly(typeof(WorkloadSpec).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    private static PoolBooks NewBooks() => new(new PoolState
    {
        Spec = WorkloadSpecParser.ParseYaml("id: w\nimage: x:1\npool: {min_size: 2, max_size: 100000}\n"),
        Version = "v1",
    });

    private static PoolMember Idle(PoolBooks books, string host)
    {
        var member = books.NewMember(host, tenantId: null, T0);
        member.ContainerId = $"c-{member.MemberId}";
        member.MoveTo(PoolMemberState.Idle, T0);
        return member;
    }

    private static ObservedContainer Seen(string memberId, string containerId, string state = "running") =>
        new(containerId, memberId, "w", state, null);

    private static ObservedContainer Seen(ClaimedMember claim, string state = "running") => Seen(claim.MemberId, claim.Container.ContainerId, state);

    private static ObservedContainer Seen(PoolMember member) => Seen(member.MemberId, member.ContainerId!);

    private static int StoredBytes(PoolBooks books) => Serializer.SerializeToArray(books.State).Length;

    /// <summary>Hands out and confirms <paramref name="claims"/> members, one by one, as the grain would; returns the largest stored size seen.</summary>
    private static int ClaimAll(PoolBooks books, int claims)
    {
        var largest = 0;
        for (var i = 0; i < claims; i++)
        {
            var claim = books.HandOut(Idle(books, Hosts[i % 2]), $"tenant-{i}", ClaimSource.Warm, T0);
            largest = Math.Max(largest, StoredBytes(books)); // what the claim's write carries
            Assert.True(books.Confirm(claim.TenantId, claim.MemberId));
        }
        return largest;
    }

    [Fact]
    public void What_a_claim_writes_does_not_grow_with_the_claims_already_held()
    {
        var few = NewBooks();
        var many = NewBooks();
        var writeWithFew = ClaimAll(few, 10);
        var writeWithMany = ClaimAll(many, 5000);

        Assert.Equal(5000, many.ClaimedTotal);
        Assert.Equal(2500, many.ClaimedOn("h1"));
        Assert.Empty(many.Handoffs);
        // The same bytes with 5,000 claims as with 10 (a count has a few more digits at most).
        Assert.InRange(writeWithMany - writeWithFew, 0, 8);
        Assert.Equal(5000, many.Claims.Count);
    }

    [Fact]
    public void A_handoff_is_stored_until_confirmed_and_a_retry_finds_the_same_member()
    {
        var books = NewBooks();
        var member = Idle(books, "h1");
        var claim = books.HandOut(member, "alice", ClaimSource.Warm, T0);

        Assert.Null(books.Member(member.MemberId));
        Assert.Equal("alice", books.State.Handoffs[member.MemberId].TenantId);
        Assert.Same(claim, books.HeldBy("alice"));
        Assert.Equal(1, books.Total);
        Assert.False(books.Confirm("bob", member.MemberId));
        Assert.True(books.Confirm("alice", member.MemberId));
        Assert.False(books.Confirm("alice", member.MemberId));
        Assert.Empty(books.Handoffs);
        Assert.Same(claim, books.HeldBy("alice"));
    }

    [Fact]
    public void Ending_a_claim_makes_a_destroying_member_once_and_counts_it_down_once()
    {
        var books = NewBooks();
        var claim = books.HandOut(Idle(books, "h2"), "alice", ClaimSource.Warm, T0);
        books.Confirm("alice", claim.MemberId);

        Assert.Null(books.EndClaim("bob", claim.MemberId, null, T0));
        var ending = books.EndClaim("alice", claim.MemberId, null, T0)!;
        Assert.Equal(PoolMemberState.Destroying, ending.State);
        Assert.Equal(claim.Container.ContainerId, ending.ContainerId);
        Assert.Equal(0, books.ClaimedOn("h2"));
        Assert.Null(books.HeldBy("alice"));
        // A retried release finds the same member and counts nothing twice.
        Assert.Same(ending, books.EndClaim("alice", claim.MemberId, claim.Container, T0));
        Assert.Equal(0, books.ClaimedTotal);
        Assert.Equal(1, books.Total);
    }

    [Fact]
    public void A_claim_the_books_forgot_is_ended_from_what_the_tenant_knows()
    {
        var books = NewBooks();
        var container = new RunningContainer("c-9", "h1", [], T0);
        books.State.ClaimedByHost["h1"] = 1; // as stored before a restart; the claim itself was confirmed

        var ending = books.EndClaim("alice", "m-9", container, T0)!;
        Assert.Equal("h1", ending.HostId);
        Assert.Equal(0, books.ClaimedOn("h1"));
        Assert.Null(books.EndClaim("alice", "m-unknown", null, T0));
    }

    [Fact]
    public void Refill_and_max_size_count_claimed_containers()
    {
        var books = new PoolBooks(new PoolState
        {
            Spec = WorkloadSpecParser.ParseYaml("id: w\nimage: x:1\npool: {min_size: 2, max_size: 5}\n"),
            Version = "v1",
        });
        var pool = books.State.Spec!.Pool;
        Assert.Equal(2, books.RefillWanted(pool, pool.MinSize, waiting: 0, maxCreatesInFlight: 8));
        ClaimAll(books, 4);
        Assert.Equal(1, books.RefillWanted(pool, pool.MinSize, waiting: 0, maxCreatesInFlight: 8));
        Assert.Equal(1, books.RefillWanted(pool, pool.MinSize, waiting: 3, maxCreatesInFlight: 8));
        Idle(books, "h1");
        Assert.Equal(0, books.RefillWanted(pool, pool.MinSize, waiting: 3, maxCreatesInFlight: 8));
        Assert.Equal(5, books.Total);
    }

    [Fact]
    public void The_idle_member_handed_out_next_is_the_current_spec_one_idle_longest_on_a_usable_host()
    {
        var books = NewBooks();
        var older = Idle(books, "h1");
        var newer = Idle(books, "h2");
        newer.StateSince = T0.AddSeconds(5);
        var stale = Idle(books, "h2");
        stale.StateSince = T0.AddSeconds(-5);
        books.State.Version = "v2";
        Assert.Null(books.NextIdle(_ => true));
        books.State.Version = "v1";
        Assert.Same(stale, books.NextIdle(_ => true));
        Assert.Same(older, books.NextIdle(h => h == "h1"));
    }

    [Fact]
    public void A_host_report_turns_dead_or_vanished_claims_lost_once_and_replaces_dead_idle_members()
    {
        var books = NewBooks();
        var exited = books.HandOut(Idle(books, "h1"), "a", ClaimSource.Warm, T0);
        var vanishing = books.HandOut(Idle(books, "h1"), "b", ClaimSource.Warm, T0);
        var idle = Idle(books, "h1");
        var sick = Idle(books, "h1");

        var first = books.Observe("h1", [Seen(exited, "exited"), Seen(idle), Seen(sick.MemberId, sick.ContainerId!, "exited")], T0);
        Assert.Equal([exited.MemberId], first.ClaimsLost.Select(l => l.Claim.MemberId));
        Assert.Equal([sick.MemberId], first.IdleToReplace.Select(r => r.Member.MemberId));
        Assert.Null(vanishing.LostSince); // one listing without it proves nothing yet

        var second = books.Observe("h1", [Seen(exited, "exited"), Seen(idle)], T0.AddSeconds(5));
        Assert.Equal([vanishing.MemberId], second.ClaimsLost.Select(l => l.Claim.MemberId));
        Assert.Contains("vanished", second.ClaimsLost[0].Why);
        Assert.Equal(T0.AddSeconds(5), vanishing.LostSince);
        Assert.Empty(books.Observe("h1", [Seen(exited, "exited"), Seen(idle)], T0.AddSeconds(10)).ClaimsLost);
        // The exited container still takes room on the host; the vanished one no longer does.
        Assert.Equal(1, books.ClaimedOn("h1"));
    }

    [Fact]
    public void A_host_report_sorts_out_containers_the_books_do_not_know_and_corrects_the_counts()
    {
        var books = NewBooks();
        var idle = Idle(books, "h1");
        books.State.ClaimedByHost["h1"] = 7; // drifted (say, a release counted down twice, or not at all)

        var diff = books.Observe("h1", [Seen(idle), Seen("m-confirmed-earlier", "c-1"), Seen(idle.MemberId, "c-second"), Seen("", "c-no-label")], T0);

        Assert.Equal(["c-1", "c-no-label"], diff.Unknown.Select(c => c.ContainerId));
        Assert.Equal(["c-second"], diff.Duplicates.Select(c => c.ContainerId));
        Assert.True(diff.CountsChanged);
        Assert.Equal(1, books.ClaimedOn("h1")); // only the one with a member label could be a claim

        var owner = new MemberOwner("alice", new RunningContainer("c-1", "h1", [], T0), ClaimSource.Warm, T0);
        Assert.NotNull(books.Adopt("m-confirmed-earlier", owner, T0));
        Assert.Null(books.Adopt("m-confirmed-earlier", owner, T0));
        Assert.Equal("m-confirmed-earlier", books.HeldBy("alice")!.MemberId);
        Assert.False(books.Observe("h1", [Seen(idle), Seen("m-confirmed-earlier", "c-1")], T0).CountsChanged);
    }

    [Fact]
    public void A_container_left_by_a_removed_member_is_a_leftover_never_counted_as_claimed()
    {
        var books = NewBooks();
        var idle = Idle(books, "h1");
        var failed = books.NewMember("h1", tenantId: null, T0); // its create failed; the engine kept the container
        books.Remove(failed);
        var handedOut = books.HandOut(Idle(books, "h1"), "alice", ClaimSource.Warm, T0); // leaves the kept members, not ended

        var diff = books.Observe("h1", [Seen(idle), Seen(failed.MemberId, "c-half-made", "created"), Seen(handedOut)], T0);

        Assert.Equal(["c-half-made"], diff.Leftovers.Select(c => c.ContainerId));
        Assert.Empty(diff.Unknown);
        Assert.Equal(1, books.ClaimedOn("h1"));
    }

    [Fact]
    public void A_member_being_removed_whose_container_left_two_reports_is_done_though_no_answer_came()
    {
        var books = NewBooks();
        var released = books.EndClaim("alice", books.HandOut(Idle(books, "h1"), "alice", ClaimSource.Warm, T0).MemberId, null, T0)!;
        Assert.Equal(PoolMemberState.Destroying, released.State);
        var creating = books.NewMember("h1", tenantId: null, T0);
        creating.MoveTo(PoolMemberState.Destroying, T0); // asked to go before its create reported: no container id to look for

        Assert.Empty(books.Observe("h1", [], T0).RemovedUnheard); // one listing may predate anything
        Assert.Empty(books.Observe("h1", [Seen(released)], T0.AddSeconds(5)).RemovedUnheard); // still there: the count starts over
        Assert.Empty(books.Observe("h1", [], T0.AddSeconds(10)).RemovedUnheard);
        Assert.Equal([released], books.Observe("h1", [], T0.AddSeconds(15)).RemovedUnheard);
    }

    [Fact]
    public void Claimed_members_stored_by_an_older_version_become_handoffs_the_audit_asks_about()
    {
        var state = new PoolState { Version = "v1" };
        state.Members["m1"] = new PoolMember
        {
            MemberId = "m1",
            HostId = "h1",
            SpecVersion = "v1",
            State = PoolMemberState.Claimed,
            ContainerId = "c1",
            TenantId = "alice",
            Source = ClaimSource.Cold,
        };
        state.Members["m2"] = new PoolMember { MemberId = "m2", HostId = "h1", SpecVersion = "v1", State = PoolMemberState.Idle, ContainerId = "c2" };

        var books = new PoolBooks(state);

        Assert.Equal(["m2"], books.Members.Select(m => m.MemberId));
        Assert.Equal("alice", state.Handoffs["m1"].TenantId);
        Assert.Equal(ClaimSource.Cold, books.HeldBy("alice")!.Source);
        Assert.Equal(1, books.ClaimedOn("h1"));
        Assert.Equal(2, books.Total);
    }
}
