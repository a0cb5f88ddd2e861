using Berth.Contracts;
using Berth.Grains;

namespace Berth.Events;

/// <summary>
/// The gateway's window on the event log. A stateless worker, reentrant: long polls only wait,
/// so many of them share one activation without holding anyone's turn.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class EventFeedGrain(IEventReader reader) : Grain, IEventFeedGrain
{
    /// <summary>Bounds a long poll, well inside a client's response timeout once the gateway's own is raised.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(20);

    public const int MaxLimit = 1000;

    public async Task<BerthEvent[]> Query(EventQuery query) =>
        [.. await reader.ReadAsync(Bounded(query), CancellationToken.None)];

    public async Task<BerthEvent[]> Wait(EventQuery query, TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + (maxWait < TimeSpan.Zero ? TimeSpan.Zero : maxWait > MaxWait ? MaxWait : maxWait);
        query = Bounded(query) with { Since = query.Since ?? await reader.LatestSequenceAsync(cancellationToken) };
        while (true)
        {
            // Taken before the read: an event stored in between ends the wait below at once.
            var latest = await reader.LatestSequenceAsync(cancellationToken);
            var found = await reader.ReadAsync(query, cancellationToken);
            if (found.Count > 0) return [.. found];
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return [];
            await reader.WaitForNewerAsync(latest, left, cancellationToken);
        }
    }

    public Task<long> Latest() => reader.LatestSequenceAsync(CancellationToken.None);

    private static EventQuery Bounded(EventQuery query) => query with { Limit = Math.Clamp(query.Limit, 1, MaxLimit) };
}
