using System.Text.RegularExpressions;
using Berth.Contracts;
using Berth.Events;
using Berth.Gateway.Cluster;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;
using Berth.Grains;
using Berth.Specs;

namespace Berth.Gateway.Endpoints;

/// <summary>
/// <c>/webhooks</c>: lifecycle events POSTed to a URL, signed (Berth-Signature), retried with
/// backoff, and kept as dead letters when they cannot be delivered. Staff only: a webhook can see
/// every tenant's events.
/// </summary>
public static partial class WebhookEndpoints
{
    public sealed record CreateWebhookRequest(string? Url, string[]? Events, string? TenantId, string? Workload);

    [GeneratedRegex(@"^wh_[0-9a-f]{16}\z")]
    private static partial Regex WebhookId();

    public static RouteGroupBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/webhooks").WithTags("Webhooks").RequireAuthorization(BerthPolicies.Operate);

        group.MapPost("/", async (HttpRequest request, HttpContext context, IClusterClient cluster, GrainCallRetry retry) =>
        {
            var (body, problem) = await RequestBody.ReadJsonAsync<CreateWebhookRequest>(request, optional: false);
            if (problem is not null) return problem;
            if (string.IsNullOrWhiteSpace(body!.Url)) return ProblemResults.BadRequest("url", "url is required (an http or https URL)");
            if (body.Events is { } names && names.Any(n => n is null)) return ProblemResults.BadRequest("events", "events must be a list of event names");
            if (!BerthEventNames.TryParseList(body.Events ?? [], out var types, out var unknown))
            {
                return ProblemResults.BadRequest("events", $"unknown event type '{unknown}'; one of {string.Join(", ", BerthEventNames.All)}");
            }
            if (body.TenantId is not null && !ResourceIds.IsValidTenantId(body.TenantId))
            {
                return ProblemResults.BadRequest("tenantId", $"tenantId must match {ResourceIds.TenantIdPattern}");
            }
            if (body.Workload is not null && !ResourceIds.IsValidWorkloadId(body.Workload))
            {
                return ProblemResults.BadRequest("workload", $"workload must match {ResourceIds.WorkloadIdPattern}");
            }
            var (operationId, keyProblem) = TenantEndpoints.OperationId(request);
            if (keyProblem is not null) return keyProblem;
            var created = await retry.Run(() => cluster.GetGrain<IWebhookDispatcherGrain>(0).Create(
                new WebhookRequest(body.Url, types, body.TenantId, body.Workload), operationId, BerthClaims.NameOf(context.User)));
            return Results.Created($"/webhooks/{created.Webhook.Id}", created);
        })
        .Produces<CreatedWebhook>(StatusCodes.Status201Created)
        .WithSummary("Register a webhook (idempotent with Idempotency-Key); its signing secret is in this answer only");

        group.MapGet("/", async (IClusterClient cluster, GrainCallRetry retry) =>
            Results.Ok(await retry.Run(() => Dispatcher(cluster).List())))
            .Produces<WebhookView[]>()
            .WithSummary("List webhooks with their delivery progress (never their secrets)");

        group.MapGet("/{webhookId}", async (string webhookId, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidId(webhookId) is { } problem) return problem;
            return await retry.Run(() => Dispatcher(cluster).Get(webhookId)) is { } view ? Results.Ok(view) : NotFound(webhookId);
        })
        .Produces<WebhookView>()
        .WithSummary("One webhook and its delivery progress");

        group.MapDelete("/{webhookId}", async (string webhookId, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidId(webhookId) is { } problem) return problem;
            await retry.Run(() => Dispatcher(cluster).Delete(webhookId));
            return Results.NoContent();
        })
        .WithSummary("Delete a webhook and its dead letters (deleting twice is not an error)");

        group.MapGet("/{webhookId}/dead-letters", async (string webhookId, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidId(webhookId) is { } problem) return problem;
            return await retry.Run(() => Dispatcher(cluster).DeadLetters(webhookId)) is { } letters ? Results.Ok(letters) : NotFound(webhookId);
        })
        .Produces<WebhookDeadLetter[]>()
        .WithSummary("Deliveries that exhausted their attempts, oldest first, with the last error");

        group.MapPost("/{webhookId}/dead-letters/{deadLetterId}/redeliver", async (string webhookId, string deadLetterId, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidId(webhookId) is { } problem) return problem;
            if (!long.TryParse(deadLetterId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var letterId))
            {
                return ProblemResults.BadRequest("deadLetterId", "deadLetterId must be a dead letter's id (a whole number)");
            }
            return Results.Accepted($"/webhooks/{webhookId}/dead-letters", await retry.Run(() => Dispatcher(cluster).Redeliver(webhookId, letterId)));
        })
        .Produces<WebhookDeadLetter>(StatusCodes.Status202Accepted)
        .WithSummary("Deliver a dead letter's event again, with fresh attempts (asking twice queues it once)");

        return group;
    }

    private static IWebhookDispatcherGrain Dispatcher(IClusterClient cluster) => cluster.GetGrain<IWebhookDispatcherGrain>(0);

    private static IResult? InvalidId(string webhookId) =>
        WebhookId().IsMatch(webhookId) ? null : ProblemResults.BadRequest("webhookId", "webhook ids look like wh_ followed by 16 hex digits");

    private static IResult NotFound(string webhookId) => ProblemResults.Problem(StatusCodes.Status404NotFound, $"no webhook {webhookId}");
}
