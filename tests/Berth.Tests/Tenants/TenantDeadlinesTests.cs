using Berth.Contracts;
using Berth.Specs;
using Berth.Tenants;

namespace Berth.Tests.Tenants;

/// <summary>When each time-driven step of a claim is due, from its record alone.</summary>
public sealed class TenantDeadlinesTests
{
    private static readonly DateTimeOffset Claimed = DateTimeOffset.Parse("2026-12-03T12:00:00Z");

    private static TenantClaimRecord Record(TenantClaimState state, ClaimLifecycle lifecycle, DateTimeOffset? expires = null) => new()
    {
        Workload = "w",
        State = state,
        StateSince = Claimed,
        Lifecycle = lifecycle,
        ExpiresAt = expires,
        Container = new RunningContainer("c1", "h1", [], Claimed),
    };

    private static ClaimLifecycle Life(TimeSpan? idle = null, TimeSpan? fileIdle = null, TimeSpan? pause = null, TimeSpan? keep = null) =>
        new(idle, IdleAction.Release, fileIdle, keep, pause, null, null, "/data");

    [Fact]
    public void A_claim_is_idle_after_its_last_activity_not_before()
    {
        var record = Record(TenantClaimState.Claimed, Life(idle: TimeSpan.FromMinutes(5)));

        Assert.Equal(Claimed.AddMinutes(5), TenantDeadlines.Of(record, null, null).Single(d => d.Due == LifecycleDue.Idle).At);
        Assert.Equal(Claimed.AddMinutes(9), TenantDeadlines.Of(record, Claimed.AddMinutes(4), null).Single(d => d.Due == LifecycleDue.Idle).At);
        // Activity older than the claim (a previous claim's) does not count.
        Assert.Equal(Claimed.AddMinutes(5), TenantDeadlines.Of(record, Claimed.AddMinutes(-3), null).Single(d => d.Due == LifecycleDue.Idle).At);
    }

    [Fact]
    public void Files_make_a_claim_idle_ttl_after_their_newest_change()
    {
        var ttl = TimeSpan.FromMinutes(2);
        var record = Record(TenantClaimState.Claimed, Life(fileIdle: ttl));

        Assert.Equal(Claimed + ttl, TenantDeadlines.Of(record, null, null).Single(d => d.Due == LifecycleDue.FileCheck).At);
        Assert.Equal(Claimed + ttl, TenantDeadlines.FileIdleAt(record, ttl, newestChange: null));
        Assert.Equal(Claimed + ttl, TenantDeadlines.FileIdleAt(record, ttl, Claimed.AddHours(-1)));
        Assert.Equal(Claimed.AddMinutes(7), TenantDeadlines.FileIdleAt(record, ttl, Claimed.AddMinutes(5)));
        Assert.Equal(Claimed.AddMinutes(7), TenantDeadlines.Of(record, null, Claimed.AddMinutes(7)).Single(d => d.Due == LifecycleDue.FileCheck).At);
    }

    [Fact]
    public void Each_state_has_its_own_deadlines()
    {
        var life = Life(idle: TimeSpan.FromMinutes(5), pause: TimeSpan.FromMinutes(30), keep: TimeSpan.FromMinutes(10));
        var expires = Claimed.AddHours(1);

        Assert.Equal([LifecycleDue.Expire, LifecycleDue.Idle], TenantDeadlines.Of(Record(TenantClaimState.Claimed, life, expires), null, null).Select(d => d.Due));
        Assert.Equal([LifecycleDue.Expire, LifecycleDue.PauseOver], TenantDeadlines.Of(Record(TenantClaimState.Paused, life, expires), null, null).Select(d => d.Due));
        Assert.Equal([LifecycleDue.Expire], TenantDeadlines.Of(Record(TenantClaimState.Stopped, life, expires), null, null).Select(d => d.Due));
        var kept = Record(TenantClaimState.Released, life);
        kept.KeptUntil = Claimed.AddMinutes(10);
        Assert.Equal((Claimed.AddMinutes(10), LifecycleDue.KeptOver), TenantDeadlines.Of(kept, null, null).Single());
        Assert.Empty(TenantDeadlines.Of(Record(TenantClaimState.Saving, life, expires), null, null));
        Assert.Null(TenantDeadlines.Earliest([Record(TenantClaimState.Claimed, Life())], null, _ => null));
    }
}
