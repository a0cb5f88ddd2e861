using Berth.Contracts;

namespace Berth.Events;

/// <summary>The stored event log: one cluster-wide sequence, bounded retention.</summary>
public interface IEventStore
{
    /// <summary>Creates the table and its indexes (idempotent).</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores the events in order, numbering them after every event stored before (by any silo):
    /// a reader that saw sequence N never later finds a new event below N.
    /// </summary>
    Task AppendAsync(IReadOnlyList<BerthEvent> events, CancellationToken cancellationToken);

    /// <summary>Matching events, oldest first (see <see cref="EventQuery"/>).</summary>
    Task<IReadOnlyList<BerthEvent>> ReadAsync(EventQuery query, CancellationToken cancellationToken);

    /// <summary>The newest sequence stored, 0 when there is none.</summary>
    Task<long> LatestSequenceAsync(CancellationToken cancellationToken);

    /// <summary>Deletes events older than <paramref name="olderThan"/> and all but the newest <paramref name="maxRows"/>; how many went.</summary>
    Task<int> PruneAsync(DateTimeOffset olderThan, long maxRows, CancellationToken cancellationToken);
}
