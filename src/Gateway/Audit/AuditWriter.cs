using System.Threading.Channels;

namespace Berth.Gateway.Audit;

/// <summary>
/// Writes audit events in the background, in batches, so that a request never waits on the audit
/// table. A failed write is retried (the batch is kept, in order) until it succeeds or the gateway
/// stops; on a graceful stop the queue is drained.
/// </summary>
public sealed class AuditWriter(IAuditLog log, ILogger<AuditWriter> logger) : BackgroundService
{
    private const int BatchSize = 500;
    private readonly Channel<AuditEvent> _queue = Channel.CreateBounded<AuditEvent>(
        new BoundedChannelOptions(100_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private long _enqueued;
    private long _written;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ValueTask EnqueueAsync(AuditEvent e)
    {
        Interlocked.Increment(ref _enqueued);
        return _queue.Writer.WriteAsync(e);
    }

    /// <summary>Waits until everything enqueued before this call is stored (or the token fires).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var target = Interlocked.Read(ref _enqueued);
        while (true)
        {
            // Taken before the check, so a write completing in between still wakes this wait.
            var progress = Volatile.Read(ref _progress);
            if (Interlocked.Read(ref _written) >= target) return;
            await progress.Task.WaitAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await InitializeAsync(stoppingToken);
        var batch = new List<AuditEvent>(BatchSize);
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                while (batch.Count < BatchSize && reader.TryRead(out var e)) batch.Add(e);
                await WriteAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: drain what is queued, once, without waiting on a broken database forever.
            while (reader.TryRead(out var e)) batch.Add(e);
            if (batch.Count > 0)
            {
                try
                {
                    await log.AppendAsync(batch, CancellationToken.None);
                }
                catch (Exception ex)
                {
                    logger.LogError(ex, "{Count} audit events could not be written at shutdown", batch.Count);
                }
            }
        }
    }

    private async Task InitializeAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await log.InitializeAsync(stoppingToken);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning("The audit table is not ready yet (attempt {Attempt}): {Error}", attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, attempt)), stoppingToken);
            }
        }
    }

    private async Task WriteAsync(List<AuditEvent> batch, CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await log.AppendAsync(batch, stoppingToken);
                Interlocked.Add(ref _written, batch.Count);
                batch.Clear();
                Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError("Writing {Count} audit events failed (attempt {Attempt}); retrying: {Error}", batch.Count, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, attempt)), stoppingToken);
            }
        }
    }
}
