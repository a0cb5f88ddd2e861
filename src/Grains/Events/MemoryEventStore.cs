using Berth.Contracts;

namespace Berth.Events;

/// <summary>The event log of the <c>Memory</c> database provider: this silo's events, as long as it runs.</summary>
public sealed class MemoryEventStore : IEventStore
{
    private readonly List<BerthEvent> _events = [];
    private readonly Lock _lock = new();
    private long _sequence;

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task AppendAsync(IReadOnlyList<BerthEvent> events, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            foreach (var e in events) _events.Add(e with { Sequence = ++_sequence });
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<BerthEvent>> ReadAsync(EventQuery query, CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(Select(_events, query));
    }

    /// <summary>The query over events held in order, shared with <see cref="RecordingEventPublisher"/>.</summary>
    public static IReadOnlyList<BerthEvent> Select(IEnumerable<BerthEvent> ordered, EventQuery query)
    {
        var limit = Math.Max(1, query.Limit);
        var matching = ordered.Where(e => (query.Since is not { } since || e.Sequence > since) && query.Matches(e));
        return query.Since is null ? [.. matching.TakeLast(limit)] : [.. matching.Take(limit)];
    }

    public Task<long> LatestSequenceAsync(CancellationToken cancellationToken)
    {
        lock (_lock) return Task.FromResult(_sequence);
    }

    public Task<int> PruneAsync(DateTimeOffset olderThan, long maxRows, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var before = _events.Count;
            _events.RemoveAll(e => e.At < olderThan);
            if (_events.Count > maxRows) _events.RemoveRange(0, (int)(_events.Count - maxRows));
            return Task.FromResult(before - _events.Count);
        }
    }
}
