using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Berth.Gateway.Cluster;

/// <summary>
/// Retries grain calls that failed because a silo left or was lost (failover, rolling restart).
/// Safe because every API operation is idempotent by (tenant, workload): a retried claim returns
/// the same container, a retried release converges on released.
/// </summary>
public sealed class GrainCallRetry
{
    private readonly ResiliencePipeline _pipeline;

    public GrainCallRetry(IOptions<GatewayOptions> options, ILogger<GrainCallRetry> logger)
    {
        _pipeline = new ResiliencePipelineBuilder()
            // The whole budget, retries included; then the caller answers 503.
            .AddTimeout(options.Value.RetryBudget)
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<OrleansException>(IsTransient).Handle<TimeoutException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(3),
                OnRetry = args =>
                {
                    logger.LogInformation("Retrying a grain call after {Error} (attempt {Attempt})", args.Outcome.Exception?.Message, args.AttemptNumber + 1);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>Silo loss and message rejections; not application errors, which are BerthException.</summary>
    /// <remarks>
    /// InconsistentStateException: a stale duplicate activation lost its storage race after a
    /// failover; Orleans has deactivated it, and the retry reaches the live one.
    /// </remarks>
    private static bool IsTransient(OrleansException ex) => ex is SiloUnavailableException or OrleansMessageRejectionException
        or Orleans.Storage.InconsistentStateException
        || ex.GetType().Name is "ConnectionFailedException" or "GatewayTooBusyException" or "ClientNotAvailableException";

    public async Task<T> Run<T>(Func<Task<T>> call, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _pipeline.ExecuteAsync(async _ => await call(), cancellationToken);
        }
        catch (TimeoutRejectedException ex)
        {
            throw new TimeoutException("the cluster did not complete the request within the retry budget", ex);
        }
    }

    public Task Run(Func<Task> call, CancellationToken cancellationToken = default) =>
        Run(async () =>
        {
            await call();
            return true;
        }, cancellationToken);
}
