using System.Threading.Channels;
using Berth.Configuration;
using Berth.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Berth.Events;

/// <summary>
/// The silo's publisher: grains hand it events without waiting, and it stores them in the
/// background in batches, in order of publication, like the gateway's audit writer does. A failed
/// write is retried with the batch kept; on a graceful silo stop the queue is drained (bounded by
/// the stop's own deadline). It also prunes the log to its retention.
/// </summary>
public sealed class StoredEventPublisher(
    IEventStore store,
    EventSignal signal,
    IOptions<BerthOptions> options,
    [FromKeyedServices(BerthClock.Key)] TimeProvider clock,
    ILogger<StoredEventPublisher> logger) : IBerthEventPublisher, ILifecycleParticipant<ISiloLifecycle>
{
    private const int BatchSize = 500;
    private const int QueueCapacity = 100_000;

    /// <summary>A grain never waits on the log: when the database is down long enough to fill the queue, new events are dropped (and counted).</summary>
    private readonly Channel<BerthEvent> _queue = Channel.CreateBounded<BerthEvent>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.DropWrite });

    private readonly CancellationTokenSource _abandon = new();
    private readonly CancellationTokenSource _stopPruning = new();
    private Task _writer = Task.CompletedTask;
    private Task _pruner = Task.CompletedTask;
    private long _dropped;

    public void Publish(BerthEvent draft)
    {
        try
        {
            if (_queue.Writer.TryWrite(draft with { Sequence = 0, At = clock.GetUtcNow() })) return;
            if (Interlocked.Increment(ref _dropped) % 1000 == 1)
            {
                logger.LogError("The event queue is full or closed: {Dropped} events dropped so far (is the database reachable?)", Interlocked.Read(ref _dropped));
            }
        }
        catch (Exception ex)
        {
            // Publish never throws into a grain turn.
            logger.LogError(ex, "An event could not be queued");
        }
    }

    /// <summary>Storage is up by this stage, and it stops after the grains did, so their last events are still written.</summary>
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StoredEventPublisher), ServiceLifecycleStage.RuntimeStorageServices, OnStart, OnStop);

    private Task OnStart(CancellationToken cancellationToken)
    {
        _writer = Task.Run(() => WriteLoopAsync(_abandon.Token));
        _pruner = Task.Run(() => PruneLoopAsync(_stopPruning.Token));
        return Task.CompletedTask;
    }

    private async Task OnStop(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        _stopPruning.Cancel();
        try
        {
            await _writer.WaitAsync(TimeSpan.FromSeconds(15), cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
            logger.LogError("Stopping before every event was stored: {Count} events left unwritten", _queue.Reader.Count);
        }
        _abandon.Cancel();
        await Task.WhenAny(_pruner, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None));
    }

    private async Task WriteLoopAsync(CancellationToken abandon)
    {
        try
        {
            await InitializeAsync(abandon);
            var batch = new List<BerthEvent>(BatchSize);
            var reader = _queue.Reader;
            // Ends once the queue is completed (silo stop) and drained.
            while (await reader.WaitToReadAsync(abandon))
            {
                while (batch.Count < BatchSize && reader.TryRead(out var e)) batch.Add(e);
                await WriteAsync(batch, abandon);
            }
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
        }
    }

    private async Task InitializeAsync(CancellationToken abandon)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.InitializeAsync(abandon);
                return;
            }
            catch (Exception ex) when (!abandon.IsCancellationRequested)
            {
                logger.LogWarning("The event table is not ready yet (attempt {Attempt}): {Error}", attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, attempt)), abandon);
            }
        }
    }

    private async Task WriteAsync(List<BerthEvent> batch, CancellationToken abandon)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await store.AppendAsync(batch, abandon);
                batch.Clear();
                signal.Pulse();
                return;
            }
            catch (Exception ex) when (!abandon.IsCancellationRequested)
            {
                logger.LogError("Writing {Count} events failed (attempt {Attempt}); retrying: {Error}", batch.Count, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, attempt)), abandon);
            }
        }
    }

    private async Task PruneLoopAsync(CancellationToken stopping)
    {
        var events = options.Value.Events;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                await Task.Delay(events.PruneInterval, stopping);
                try
                {
                    var pruned = await store.PruneAsync(DateTimeOffset.UtcNow - events.Retention, events.MaxRows, stopping);
                    if (pruned > 0) logger.LogInformation("Pruned {Count} events (Berth:Events:Retention {Retention}, MaxRows {MaxRows})", pruned, events.Retention, events.MaxRows);
                }
                catch (Exception ex) when (!stopping.IsCancellationRequested)
                {
                    logger.LogWarning("Pruning events failed; trying again in {Interval}: {Error}", events.PruneInterval, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }
}
