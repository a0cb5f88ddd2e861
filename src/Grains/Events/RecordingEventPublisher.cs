using System.Collections.Concurrent;
using Berth.Contracts;

namespace Berth.Events;

/// <summary>
/// Keeps the latest events in memory, numbered in order (unit and grain tests read them). The
/// stored publisher replaces it in silos.
/// </summary>
public sealed class RecordingEventPublisher(TimeProvider clock) : IBerthEventPublisher
{
    private const int Kept = 10_000;
    private readonly ConcurrentQueue<BerthEvent> _events = new();
    private long _sequence;

    public void Publish(BerthEvent draft)
    {
        _events.Enqueue(draft with { Sequence = Interlocked.Increment(ref _sequence), At = clock.GetUtcNow() });
        while (_events.Count > Kept) _events.TryDequeue(out _);
    }

    public IReadOnlyList<BerthEvent> Events => [.. _events];
}
