using Berth.Contracts;

namespace Berth.Events;

/// <summary>How grains in a silo read events: the stored log in silos, the recording publisher in grain tests.</summary>
public interface IEventReader
{
    Task<IReadOnlyList<BerthEvent>> ReadAsync(EventQuery query, CancellationToken cancellationToken);

    Task<long> LatestSequenceAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Completes once an event after <paramref name="afterSequence"/> may exist, or when
    /// <paramref name="timeout"/> runs out (never throws for that); the caller reads again either way.
    /// </summary>
    Task WaitForNewerAsync(long afterSequence, TimeSpan timeout, CancellationToken cancellationToken);
}
