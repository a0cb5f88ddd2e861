using Berth.Contracts;
using Berth.Pools;

namespace Berth.Telemetry;

/// <summary>A pool's members by state, as <c>berth_pool_members</c> shows them.</summary>
public static class PoolCounts
{
    /// <summary>
    /// Every state appears (zero included), so a pool that drains shows 0 rather than a series that
    /// stops. Claimed members live in the books as a count per host, not as members.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, int>> Of(PoolBooks books)
    {
        var byState = books.Members.GroupBy(m => m.State).ToDictionary(g => g.Key, g => g.Count());
        foreach (var state in Enum.GetValues<PoolMemberState>())
        {
            var count = byState.GetValueOrDefault(state) + (state == PoolMemberState.Claimed ? books.ClaimedTotal : 0);
            yield return new(BerthMetrics.Label(state.ToString()), count);
        }
    }
}
