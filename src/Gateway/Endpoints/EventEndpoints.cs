using System.Globalization;
using System.Text;
using Berth.Contracts;
using Berth.Events;
using Berth.Gateway.Cluster;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;
using Berth.Grains;
using Berth.Security;
using Berth.Specs;
using Microsoft.Extensions.Options;

namespace Berth.Gateway.Endpoints;

/// <summary>
/// <c>/events</c>: the stored lifecycle events, as a list and as a server-sent event stream. Staff
/// and viewers see every tenant's; a tenant's key sees its own tenant's only.
/// </summary>
public static class EventEndpoints
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;
    private const string LastEventIdHeader = "Last-Event-ID";

    public static RouteGroupBuilder MapEventEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/events").WithTags("Events").RequireAuthorization();

        group.MapGet("/", async (HttpContext context, string? tenant, string? workload, string? since, string? limit, IClusterClient cluster, GrainCallRetry retry) =>
        {
            var (query, problem) = ParseQuery(context, tenant, workload, limit);
            if (problem is not null) return problem;
            if (ParseSequence(since, "since", out var from) is { } sinceProblem) return sinceProblem;
            var events = await retry.Run(() => cluster.GetGrain<IEventFeedGrain>(0).Query(query! with { Since = from }));
            return Results.Ok(events.Select(EventView.From));
        })
        .Produces<EventView[]>()
        .WithSummary("Lifecycle events, oldest first: those after ?since=<sequence>, or else the newest; filtered by tenant, workload and type (comma-separated)");

        group.MapGet("/stream", async (HttpContext context, string? tenant, string? workload, string? since, IClusterClient cluster,
            IOptions<GatewayOptions> options, ILoggerFactory logs) =>
        {
            var (query, problem) = ParseQuery(context, tenant, workload, null);
            if (problem is not null) return problem;
            // A reconnecting EventSource sends where it got to; that wins over the URL's since.
            var lastEventId = context.Request.Headers[LastEventIdHeader].ToString();
            if (ParseSequence(lastEventId.Length > 0 ? lastEventId : since, lastEventId.Length > 0 ? LastEventIdHeader : "since", out var from) is { } fromProblem)
            {
                return fromProblem;
            }
            await StreamAsync(context, query! with { Since = from }, cluster, LongPollOf(options.Value), logs.CreateLogger("Berth.Gateway.Events"));
            return Results.Empty;
        })
        .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
        .WithSummary("Server-sent events (id: sequence; honours Last-Event-ID and ?since=, else starts now); heartbeat comments while quiet");

        return group;
    }

    /// <summary>Each long poll ends inside the gateway's grain call timeout, so a quiet stream is never a timeout.</summary>
    private static TimeSpan LongPollOf(GatewayOptions options) =>
        TimeSpan.FromSeconds(Math.Clamp(options.CallTimeout.TotalSeconds - 2, 1, 15));

    private static async Task StreamAsync(HttpContext context, EventQuery query, IClusterClient cluster, TimeSpan longPoll, ILogger logger)
    {
        var aborted = context.RequestAborted;
        var response = context.Response;
        BeginEventStream(response);
        var feed = cluster.GetGrain<IEventFeedGrain>(0);
        var cursor = query.Since;
        var text = new StringBuilder();
        try
        {
            cursor ??= await feed.Latest();
            await response.WriteAsync($"retry: 2000\n: from {cursor}\n\n", aborted);
            await response.Body.FlushAsync(aborted);
            while (!aborted.IsCancellationRequested)
            {
                BerthEvent[] batch;
                try
                {
                    batch = await feed.Wait(query with { Since = cursor, Limit = DefaultLimit }, longPoll, aborted);
                }
                catch (Exception ex) when (!aborted.IsCancellationRequested && ex is not OperationCanceledException)
                {
                    // A silo failing over: say so as a comment and carry on from the same cursor.
                    logger.LogInformation("An event stream's poll failed, retrying: {Error}", ex.Message);
                    await response.WriteAsync(": the cluster did not answer; retrying\n\n", aborted);
                    await response.Body.FlushAsync(aborted);
                    await Task.Delay(TimeSpan.FromSeconds(1), aborted);
                    continue;
                }
                text.Clear();
                if (batch.Length == 0) text.Append(": heartbeat\n\n");
                foreach (var e in batch)
                {
                    text.Append("id: ").Append(e.Sequence.ToString(CultureInfo.InvariantCulture)).Append('\n')
                        .Append("event: ").Append(BerthEventNames.Of(e.Type)).Append('\n')
                        .Append("data: ").Append(EventView.Serialize(e)).Append("\n\n");
                    cursor = e.Sequence;
                }
                await response.WriteAsync(text.ToString(), aborted);
                await response.Body.FlushAsync(aborted);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: the stream simply ends.
        }
    }

    /// <summary>The headers of a server-sent event stream (also the operations' streams).</summary>
    internal static void BeginEventStream(HttpResponse response)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // Proxies such as nginx would otherwise hold events back in their buffers.
        response.Headers["X-Accel-Buffering"] = "no";
    }

    /// <summary>The filters every read takes, with the caller's scope applied: a tenant principal is held to its own tenant.</summary>
    private static (EventQuery? Query, IResult? Problem) ParseQuery(HttpContext context, string? tenant, string? workload, string? limit)
    {
        var user = context.User;
        switch (BerthClaims.RoleOf(user))
        {
            case BerthRoles.Admin or BerthRoles.Operator or BerthRoles.Viewer:
                break;
            case BerthRoles.Tenant:
                var own = BerthClaims.TenantOf(user);
                if (tenant is not null && !string.Equals(tenant, own, StringComparison.Ordinal))
                {
                    return (null, ProblemResults.Problem(StatusCodes.Status403Forbidden, "a tenant key reads its own tenant's events only", "tenant"));
                }
                tenant = own;
                break;
            default:
                return (null, ProblemResults.Problem(StatusCodes.Status403Forbidden, "this principal has no role that reads events"));
        }
        if (tenant is not null && !ResourceIds.IsValidTenantId(tenant))
        {
            return (null, ProblemResults.BadRequest("tenant", $"tenant must match {ResourceIds.TenantIdPattern}"));
        }
        if (workload is not null && !ResourceIds.IsValidWorkloadId(workload))
        {
            return (null, ProblemResults.BadRequest("workload", $"workload must match {ResourceIds.WorkloadIdPattern}"));
        }
        if (!BerthEventNames.TryParseList(context.Request.Query["type"].OfType<string>(), out var types, out var unknown))
        {
            return (null, ProblemResults.BadRequest("type", $"unknown event type '{unknown}'; one of {string.Join(", ", BerthEventNames.All)}"));
        }
        var take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxLimit))
        {
            return (null, ProblemResults.BadRequest("limit", $"limit must be a whole number from 1 to {MaxLimit}"));
        }
        return (new EventQuery(tenant, workload, types, null, take), null);
    }

    private static IResult? ParseSequence(string? text, string field, out long? value)
    {
        value = null;
        if (string.IsNullOrEmpty(text)) return null;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
        {
            return ProblemResults.BadRequest(field, $"{field} must be an event sequence number (a whole number ≥ 0)");
        }
        value = parsed;
        return null;
    }
}
