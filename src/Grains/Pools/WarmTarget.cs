using Berth.Specs;

namespace Berth.Pools;

/// <summary>
/// How many members a pool keeps idle or on their way: <c>min_size</c> as a floor, and above it
/// what a steady stream of claims takes while one member is made (claim rate × create time, both
/// smoothed, plus room for bursts), capped by <c>max_warm</c>. In memory only: a restarted pool
/// starts from <c>min_size</c> and learns the rate again within a minute.
/// </summary>
public sealed class WarmTarget
{
    /// <summary>How far back the claim rate looks (an exponential decay with this time constant).</summary>
    public static readonly TimeSpan RateWindow = TimeSpan.FromSeconds(30);

    /// <summary>The weight of the newest create time in its running average.</summary>
    private const double CreateSmoothing = 0.2;

    private double _rate;
    private DateTimeOffset _rateAt;
    private double _createSeconds;

    /// <summary>Claims per second over the last <see cref="RateWindow"/> or so.</summary>
    public double ClaimsPerSecond(DateTimeOffset now) => _rate * Decay(now);

    /// <summary>The smoothed time from asking for a member to it being ready; zero before the first.</summary>
    public TimeSpan CreateTime => TimeSpan.FromSeconds(_createSeconds);

    public void ClaimArrived(DateTimeOffset now)
    {
        _rate = ClaimsPerSecond(now) + 1 / RateWindow.TotalSeconds;
        _rateAt = now;
    }

    public void MemberMade(TimeSpan took)
    {
        var seconds = Math.Max(0, took.TotalSeconds);
        _createSeconds = _createSeconds == 0 ? seconds : _createSeconds + CreateSmoothing * (seconds - _createSeconds);
    }

    /// <summary>
    /// Members to keep idle or coming. Claims arriving at rate λ while a member takes T to make
    /// take λT on average, and arrivals of a steady stream spread by about √(λT): two of those
    /// above the average keep the pool from draining in all but rare bursts.
    /// </summary>
    public int Members(PoolSpec pool, DateTimeOffset now)
    {
        var during = ClaimsPerSecond(now) * _createSeconds;
        // Rounded, not ceiled: a claim now and then (λT ≪ 1) keeps nothing warm beyond min_size.
        var wanted = (int)Math.Round(during + 2 * Math.Sqrt(during), MidpointRounding.AwayFromZero);
        return Math.Max(pool.MinSize, Math.Min(wanted, pool.EffectiveMaxWarm));
    }

    private double Decay(DateTimeOffset now) =>
        _rateAt == default ? 0 : Math.Exp(-Math.Max(0, (now - _rateAt).TotalSeconds) / RateWindow.TotalSeconds);
}
