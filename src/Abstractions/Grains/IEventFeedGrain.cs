using Berth.Contracts;

namespace Berth.Grains;

/// <summary>
/// Reads the stored event log for the gateway, so that the gateway needs no database of its own
/// and sees every silo's events. Any key; a stateless worker on every silo.
/// </summary>
[Alias("Berth.Grains.IEventFeedGrain")]
public interface IEventFeedGrain : IGrainWithIntegerKey
{
    [Alias("Query")]
    Task<BerthEvent[]> Query(EventQuery query);

    /// <summary>
    /// Like <see cref="Query"/> with a <see cref="EventQuery.Since"/>, but waits up to
    /// <paramref name="maxWait"/> (at most 20 s) for a matching event when there is none yet: the
    /// long poll behind <c>GET /events/stream</c>. Empty when the wait ran out.
    /// </summary>
    [Alias("Wait")]
    Task<BerthEvent[]> Wait(EventQuery query, TimeSpan maxWait, CancellationToken cancellationToken = default);

    /// <summary>The sequence of the newest stored event (0 when there is none): where a stream that names no start begins.</summary>
    [Alias("Latest")]
    Task<long> Latest();
}
