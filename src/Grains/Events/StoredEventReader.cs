using Berth.Configuration;
using Berth.Contracts;
using Microsoft.Extensions.Options;

namespace Berth.Events;

/// <summary>
/// Reads the stored log. A wait wakes at once for this silo's own writes (<see cref="EventSignal"/>)
/// and looks every <see cref="EventOptions.PollInterval"/> for other silos'.
/// </summary>
public sealed class StoredEventReader(IEventStore store, EventSignal signal, IOptions<BerthOptions> options) : IEventReader
{
    public Task<IReadOnlyList<BerthEvent>> ReadAsync(EventQuery query, CancellationToken cancellationToken) =>
        store.ReadAsync(query, cancellationToken);

    public Task<long> LatestSequenceAsync(CancellationToken cancellationToken) => store.LatestSequenceAsync(cancellationToken);

    public async Task WaitForNewerAsync(long afterSequence, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        var poll = options.Value.Events.PollInterval;
        while (true)
        {
            var pulse = signal.Next;
            if (await store.LatestSequenceAsync(cancellationToken) > afterSequence) return;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return;
            await Task.WhenAny(pulse, Task.Delay(left < poll ? left : poll, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
