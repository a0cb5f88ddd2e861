using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Berth.Contracts;
using Berth.Gateway.Cluster;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;
using Berth.Grains;
using Berth.Specs;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Berth.Gateway.Endpoints;

/// <summary>
/// <c>/operations</c>: long changes (drain, rollout, resize, provision) as resources, with their
/// progress, a server-sent event stream per operation, and cancel (docs/operations.md).
/// </summary>
public static class OperationEndpoints
{
    public const string LocationHeader = "Operation-Location";
    private const int DefaultLimit = 50;
    private const int MaxLimit = 500;
    /// <summary>How often a stream looks for a change; a quiet stream sends a heartbeat comment every so many looks.</summary>
    private static readonly TimeSpan StreamPoll = TimeSpan.FromMilliseconds(500);
    private const int HeartbeatEvery = 30;

    /// <summary>An operation as the API writes it; <see cref="CompletedAt"/> is written as null while it runs.</summary>
    public sealed record OperationResponse(
        string Id,
        OperationKind Kind,
        string Target,
        OperationState State,
        int Done,
        int Total,
        string Message,
        OperationError[] Errors,
        string StartedBy,
        DateTimeOffset StartedAt,
        DateTimeOffset UpdatedAt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] DateTimeOffset? CompletedAt,
        long Version)
    {
        public static OperationResponse From(OperationRecord r) =>
            new(r.Id, r.Kind, r.Target, r.State, r.Done, r.Total, r.Message, r.Errors, r.StartedBy, r.StartedAt, r.UpdatedAt, r.CompletedAt, r.Version);
    }

    private static IOperationGrain Operation(IClusterClient cluster, string id) => cluster.GetGrain<IOperationGrain>(id);

    /// <summary>Starts the plan's operation and names it in the response's Operation-Location header.</summary>
    public static async Task<OperationRecord> StartAsync(HttpContext context, OperationPlan plan, IClusterClient cluster, GrainCallRetry retry)
    {
        var record = await retry.Run(() => Operation(cluster, plan.Id).Start(plan));
        SetLocation(context, record.Id);
        return record;
    }

    public static void SetLocation(HttpContext context, string operationId) =>
        context.Response.Headers[LocationHeader] = $"/operations/{operationId}";

    /// <summary>A new operation's plan, started by the caller.</summary>
    public static OperationPlan Plan(HttpContext context, OperationKind kind, string target, string? id = null) => new()
    {
        Id = id ?? OperationIds.New(DateTimeOffset.UtcNow),
        Kind = kind,
        Target = target,
        StartedBy = BerthClaims.NameOf(context.User),
    };

    public static RouteGroupBuilder MapOperationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/operations").WithTags("Operations");

        group.MapGet("/", async (string? state, string? kind, string? target, string? limit, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (state is not (null or "running" or "finished")) return ProblemResults.BadRequest("state", "state must be running or finished");
            bool? unfinished = state is null ? null : state == "running";
            OperationKind? parsedKind = null;
            if (kind is not null)
            {
                if (!TryParseKind(kind, out var k)) return ProblemResults.BadRequest("kind", "kind must be drain, rollout, resize or provision");
                parsedKind = k;
            }
            if (target is not null && !ResourceIds.IsValidWorkloadId(target))
            {
                return ProblemResults.BadRequest("target", $"target must be a host or workload id ({ResourceIds.WorkloadIdPattern})");
            }
            var take = DefaultLimit;
            if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxLimit))
            {
                return ProblemResults.BadRequest("limit", $"limit must be a whole number from 1 to {MaxLimit}");
            }
            var ids = await retry.Run(() => cluster.GetGrain<IOperationIndexGrain>(0).List(new OperationFilter(unfinished, parsedKind, target, take)));
            var records = await Task.WhenAll(ids.Select(id => retry.Run(() => Operation(cluster, id).Get())));
            return Results.Ok(records.OfType<OperationRecord>().Select(OperationResponse.From));
        })
        .Produces<OperationResponse[]>()
        .WithSummary("Operations, newest first: ?state=running|finished, ?kind=, ?target=, ?limit= (default 50)")
        .RequireAuthorization(BerthPolicies.Read);

        group.MapGet("/{id}", async (string id, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidId(id) is { } invalid) return invalid;
            return await retry.Run(() => Operation(cluster, id).Get()) is { } record
                ? Results.Ok(OperationResponse.From(record))
                : NotFound(id);
        })
        .Produces<OperationResponse>()
        .WithSummary("One operation: state, progress (done of total), message, errors")
        .RequireAuthorization(BerthPolicies.Read);

        group.MapGet("/{id}/events", async (string id, HttpContext context, IClusterClient cluster, GrainCallRetry retry, IOptions<JsonOptions> json) =>
        {
            if (InvalidId(id) is { } invalid) return invalid;
            if (await retry.Run(() => Operation(cluster, id).Get()) is not { } first) return NotFound(id);
            await StreamAsync(context, Operation(cluster, id), first, json.Value.SerializerOptions);
            return Results.Empty;
        })
        .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
        .WithSummary("Server-sent events: one 'operation' event (id: version) per change, the current state first; ends after the terminal state")
        .RequireAuthorization(BerthPolicies.Read);

        group.MapDelete("/{id}", async (string id, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidId(id) is { } invalid) return invalid;
            var record = await retry.Run(() => Operation(cluster, id).Cancel());
            return Results.Accepted($"/operations/{id}", OperationResponse.From(record));
        })
        .Produces<OperationResponse>(202)
        .WithSummary("Cancel: the drain stops (host stays cordoned), a rollout rolls back, a resize restores the sizes, a provision claims no more; 409 once finished")
        .RequireAuthorization(BerthPolicies.Operate);

        return group;
    }

    /// <summary>The names the API writes (lower case), and only those: no numbers, no other casing.</summary>
    private static bool TryParseKind(string text, out OperationKind kind)
    {
        kind = default;
        foreach (var candidate in Enum.GetValues<OperationKind>())
        {
            if (candidate.ToString().ToLowerInvariant() != text) continue;
            kind = candidate;
            return true;
        }
        return false;
    }

    private static IResult? InvalidId(string id) =>
        OperationIds.IsValid(id) ? null : ProblemResults.BadRequest("id", $"operation id must match {OperationIds.Pattern}");

    private static IResult NotFound(string id) => ProblemResults.Problem(404, $"operation '{id}' does not exist", "id");

    /// <summary>
    /// Polls the operation (a read of one grain) and sends each version it has not sent yet. Polling,
    /// not a wait inside the grain, so that a silo lost under a stream costs one missed look, not the stream.
    /// </summary>
    private static async Task StreamAsync(HttpContext context, IOperationGrain operation, OperationRecord current, JsonSerializerOptions json)
    {
        var aborted = context.RequestAborted;
        var response = context.Response;
        EventEndpoints.BeginEventStream(response);
        var sent = 0L;
        var quiet = 0;
        var text = new StringBuilder();
        try
        {
            await response.WriteAsync("retry: 2000\n\n", aborted);
            while (true)
            {
                text.Clear();
                if (current.Version != sent)
                {
                    text.Append("event: operation\n")
                        .Append("id: ").Append(current.Version.ToString(CultureInfo.InvariantCulture)).Append('\n')
                        .Append("data: ").Append(JsonSerializer.Serialize(OperationResponse.From(current), json)).Append("\n\n");
                    sent = current.Version;
                    quiet = 0;
                }
                else if (++quiet % HeartbeatEvery == 0)
                {
                    text.Append(": heartbeat\n\n");
                }
                if (text.Length > 0)
                {
                    await response.WriteAsync(text.ToString(), aborted);
                    await response.Body.FlushAsync(aborted);
                }
                if (current.Finished) return;
                await Task.Delay(StreamPoll, aborted);
                try
                {
                    current = await operation.Get() ?? current;
                }
                catch (Exception ex) when (ex is OrleansException or TimeoutException)
                {
                    // A silo failing over: the next look asks again.
                }
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: the stream simply ends.
        }
    }
}
