using System.Collections.Concurrent;
using Berth.Contracts;

namespace Berth.Events;

/// <summary>
/// Keeps the latest events in memory, numbered in order (unit and grain tests read them, and the
/// feed and webhooks read them in in-memory clusters). The stored publisher replaces it in silos.
/// </summary>
public sealed class RecordingEventPublisher(TimeProvider clock) : IBerthEventPublisher, IEventReader
{
    private const int Kept = 10_000;
    private readonly ConcurrentQueue<BerthEvent> _events = new();
    private readonly EventSignal _signal = new();
    private readonly Lock _lock = new();
    private long _sequence;

    public void Publish(BerthEvent draft)
    {
        // Numbered and queued under one lock, so the queue is in sequence order for readers.
        lock (_lock)
        {
            _events.Enqueue(draft with { Sequence = ++_sequence, At = clock.GetUtcNow() });
            while (_events.Count > Kept) _events.TryDequeue(out _);
        }
        _signal.Pulse();
    }

    public IReadOnlyList<BerthEvent> Events => [.. _events];

    public Task<IReadOnlyList<BerthEvent>> ReadAsync(EventQuery query, CancellationToken cancellationToken) =>
        Task.FromResult(MemoryEventStore.Select(_events, query));

    public Task<long> LatestSequenceAsync(CancellationToken cancellationToken) => Task.FromResult(Interlocked.Read(ref _sequence));

    public async Task WaitForNewerAsync(long afterSequence, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var pulse = _signal.Next;
        if (Interlocked.Read(ref _sequence) > afterSequence) return;
        await Task.WhenAny(pulse, Task.Delay(timeout, cancellationToken));
    }
}
