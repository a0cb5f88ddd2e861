using Berth.Pools;
using Berth.Specs;

namespace Berth.Tests.Grains;

/// <summary>The adaptive warm size: min_size as a floor, claim rate × create time above it, max_warm as a cap.</summary>
public sealed class WarmTargetTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 8, 0, 0, TimeSpan.Zero);

    private static PoolSpec Pool(string yaml) => WorkloadSpecParser.ParseYaml($"id: w\nimage: x:1\npool: {yaml}\n").Pool;

    /// <summary>A steady stream: <paramref name="perSecond"/> claims a second for <paramref name="seconds"/>, members taking <paramref name="create"/> to make.</summary>
    private static WarmTarget Stream(double perSecond, int seconds, TimeSpan create)
    {
        var target = new WarmTarget();
        var claims = (int)(perSecond * seconds);
        for (var i = 0; i < claims; i++)
        {
            target.ClaimArrived(T0 + TimeSpan.FromSeconds(i / perSecond));
            if (i % 10 == 0) target.MemberMade(create);
        }
        return target;
    }

    [Fact]
    public void Without_claims_the_pool_keeps_min_size()
    {
        var target = new WarmTarget();
        target.MemberMade(TimeSpan.FromSeconds(0.4));
        Assert.Equal(2, target.Members(Pool("{min_size: 2, max_size: 50}"), T0));
        Assert.Equal(0, target.Members(Pool("{min_size: 0, max_size: 50}"), T0));
    }

    [Fact]
    public void A_steady_stream_keeps_more_than_it_takes_while_one_member_is_made()
    {
        var pool = Pool("{min_size: 2, max_size: 500, max_warm: 100}");
        var end = T0 + TimeSpan.FromSeconds(120);
        // 20 claims/s × 0.5 s per create: 10 claims arrive while one member is made.
        var target = Stream(20, 120, TimeSpan.FromSeconds(0.5));

        Assert.InRange(target.ClaimsPerSecond(end), 18, 21);
        var members = target.Members(pool, end);
        Assert.InRange(members, 11, 20); // above λT = 10 by the burst margin (2√10 ≈ 6), not wildly so

        // Slower creates need more members warm for the same stream.
        Assert.True(Stream(20, 120, TimeSpan.FromSeconds(2)).Members(pool, end) > members);
    }

    [Fact]
    public void The_target_is_capped_by_max_warm_and_falls_back_to_min_size_once_claims_stop()
    {
        var pool = Pool("{min_size: 2, max_size: 500, max_warm: 8}");
        var end = T0 + TimeSpan.FromSeconds(120);
        var target = Stream(50, 120, TimeSpan.FromSeconds(1));
        Assert.Equal(8, target.Members(pool, end));

        // Ten rate windows later the stream has long stopped: back to the floor.
        Assert.Equal(2, target.Members(pool, end + WarmTarget.RateWindow * 10));
    }

    [Fact]
    public void A_claim_now_and_then_keeps_nothing_warm_beyond_min_size()
    {
        var pool = Pool("{min_size: 0, max_size: 50}");
        var target = Stream(1.0 / 60, 600, TimeSpan.FromSeconds(0.4)); // one a minute
        Assert.Equal(0, target.Members(pool, T0 + TimeSpan.FromSeconds(600)));
    }

    [Fact]
    public void Max_warm_defaults_to_four_times_min_size_at_least_ten_never_above_max_size()
    {
        Assert.Equal(10, Pool("{min_size: 1, max_size: 50}").EffectiveMaxWarm);
        Assert.Equal(20, Pool("{min_size: 5, max_size: 50}").EffectiveMaxWarm);
        Assert.Equal(3, Pool("{min_size: 1, max_size: 3}").EffectiveMaxWarm);
        Assert.Equal(7, Pool("{min_size: 1, max_size: 50, max_warm: 7}").EffectiveMaxWarm);
    }
}
