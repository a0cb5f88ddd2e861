using Berth.Client.Models;

namespace Berth.Client;

/// <summary><c>/operations</c>: long changes (drain, rollout, resize, provision) with their progress.</summary>
public sealed partial class BerthClient
{
    public Task<Operation[]> ListOperationsAsync(OperationQuery? query = null, CancellationToken cancellationToken = default)
    {
        query ??= new OperationQuery();
        var text = Query(("state", query.State), ("kind", query.Kind), ("target", query.Target), ("limit", Text(query.Limit)));
        return SendJsonAsync<Operation[]>(() => Request(HttpMethod.Get, "/operations" + text), cancellationToken);
    }

    public Task<Operation> GetOperationAsync(string id, CancellationToken cancellationToken = default) =>
        SendJsonAsync<Operation>(() => Request(HttpMethod.Get, $"/operations/{Escape(id)}"), cancellationToken);

    /// <summary>Changes a pool's sizes (either may be left out) as a resize operation toward the new minimum.</summary>
    public Task<Operation> ResizePoolAsync(string workload, int? minSize, int? maxSize, CancellationToken cancellationToken = default) =>
        SendJsonAsync<Operation>(() => Request(HttpMethod.Post, $"/pools/{Escape(workload)}/resize", JsonBody(new { minSize, maxSize })), cancellationToken);

    /// <summary>Claims each of <paramref name="tenants"/> on the workload, a few at a time, as a provision operation.</summary>
    public Task<Operation> ProvisionAsync(string workload, IReadOnlyList<string> tenants, CancellationToken cancellationToken = default) =>
        SendJsonAsync<Operation>(() => Request(HttpMethod.Post, $"/workloads/{Escape(workload)}/provision", JsonBody(new { tenants })), cancellationToken);

    /// <summary>Asks the operation to stop; the answer is it cancelling or cancelled (409 when it already finished).</summary>
    public Task<Operation> CancelOperationAsync(string id, CancellationToken cancellationToken = default) =>
        SendJsonAsync<Operation>(() => Request(HttpMethod.Delete, $"/operations/{Escape(id)}"), cancellationToken);

    /// <summary>
    /// Every change of the operation, the current state first, until it finished (the gateway ends the stream after
    /// the terminal state). A stream cut early is picked up again with a fresh one, a bounded number of times.
    /// </summary>
    public async IAsyncEnumerable<Operation> WatchOperationAsync(string id,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long lastVersion = -1;
        for (var attempt = 0; attempt <= Options.MaxRetries; attempt++)
        {
            var response = await SendAsync(() => Request(HttpMethod.Get, $"/operations/{Escape(id)}/events", accept: "text/event-stream"),
                cancellationToken, HttpCompletionOption.ResponseHeadersRead);
            await foreach (var operation in ReadServerSentEventsAsync<Operation>(response, "operation", cancellationToken))
            {
                if (operation.Version <= lastVersion) continue;
                lastVersion = operation.Version;
                yield return operation;
                if (operation.IsFinished) yield break;
            }
        }
    }
}
