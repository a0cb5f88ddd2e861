using Berth.Client.Models;

namespace Berth.Client;

/// <summary><c>/events</c>: stored lifecycle events, and their server-sent stream.</summary>
public sealed partial class BerthClient
{
    public Task<BerthEvent[]> ListEventsAsync(EventQuery? query = null, CancellationToken cancellationToken = default) =>
        SendJsonAsync<BerthEvent[]>(() => Request(HttpMethod.Get, "/events" + EventQueryText(query ?? new EventQuery(), withLimit: true)), cancellationToken);

    /// <summary>Events as they happen (from <c>Since</c> when given, else from now) until the caller cancels.</summary>
    public async IAsyncEnumerable<BerthEvent> StreamEventsAsync(EventQuery? query = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(() => Request(HttpMethod.Get, "/events/stream" + EventQueryText(query ?? new EventQuery(), withLimit: false), accept: "text/event-stream"),
            cancellationToken, HttpCompletionOption.ResponseHeadersRead);
        await foreach (var e in ReadServerSentEventsAsync<BerthEvent>(response, eventType: null, cancellationToken)) yield return e;
    }

    private static string EventQueryText(EventQuery query, bool withLimit) =>
        Query(("tenant", query.Tenant), ("workload", query.Workload), ("type", query.Types is { Count: > 0 } t ? string.Join(',', t) : null),
            ("since", Text(query.Since)), ("limit", withLimit ? Text(query.Limit) : null));
}
