using Berth.Contracts;
using Berth.Gateway.Cluster;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;
using Berth.Grains;
using Berth.Specs;

namespace Berth.Gateway.Endpoints;

/// <summary>
/// <c>/hosts/{hostId}/stacks</c>: an operator's compose stacks on one Docker host, applied by that
/// host's grain. <c>PUT ?diff=true</c> (or <c>?dryRun=true</c>) answers the plan without acting.
/// </summary>
public static class HostStackEndpoints
{
    public static IEndpointRouteBuilder MapHostStackEndpoints(this IEndpointRouteBuilder app)
    {
        var stacks = app.MapGroup("/hosts/{hostId}/stacks").WithTags("Host stacks").RequireAuthorization(BerthPolicies.Operate);

        stacks.MapGet("/", async (string hostId, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (await UsableHostAsync(hostId, cluster, retry) is { } problem) return problem;
            return Results.Ok(await retry.Run(() => cluster.GetGrain<IAgentHostGrain>(hostId).ListHostStacks()));
        })
        .Produces<HostStackView[]>()
        .WithSummary("The host's stacks: each service's container, state and ports");

        stacks.MapGet("/{stack}", async (string hostId, string stack, bool? diff, HttpRequest request, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (diff == true)
            {
                // The form of the diff: the compose file as the body of a GET (PUT ?diff=true does the same for clients that send no GET body).
                return await ApplyAsync(hostId, stack, dryRun: true, request, cluster, retry);
            }
            if ((InvalidStack(stack) ?? await UsableHostAsync(hostId, cluster, retry)) is { } problem) return problem;
            return await retry.Run(() => cluster.GetGrain<IAgentHostGrain>(hostId).GetHostStack(stack)) is { } view
                ? Results.Ok(view)
                : NoSuchStack(hostId, stack);
        })
        .Produces<HostStackView>()
        .Produces<HostStackApplyResult>()
        .WithSummary("One stack: each service's container id, state and ports; with ?diff=true and a compose file as the body, the plan that applying it would carry out");

        stacks.MapPut("/{stack}", (string hostId, string stack, bool? diff, bool? dryRun, HttpRequest request, IClusterClient cluster, GrainCallRetry retry) =>
            ApplyAsync(hostId, stack, dryRun: diff == true || dryRun == true, request, cluster, retry))
        .Accepts<string>("application/yaml", "application/json")
        .Produces<HostStackApplyResult>()
        .WithSummary("Apply a compose file to the host (create, recreate or remove services); ?diff=true only answers the plan");

        stacks.MapDelete("/{stack}", async (string hostId, string stack, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if ((InvalidStack(stack) ?? await UsableHostAsync(hostId, cluster, retry)) is { } problem) return problem;
            return await retry.Run(() => cluster.GetGrain<IAgentHostGrain>(hostId).RemoveHostStack(stack))
                ? Results.NoContent()
                : NoSuchStack(hostId, stack);
        })
        .Produces(StatusCodes.Status204NoContent)
        .WithSummary("Remove every container of the stack and its network");

        return app;
    }

    /// <summary>Parses the compose file in the body and applies it, or with <paramref name="dryRun"/> only plans it.</summary>
    private static async Task<IResult> ApplyAsync(string hostId, string stack, bool dryRun, HttpRequest request, IClusterClient cluster, GrainCallRetry retry)
    {
        if (InvalidStack(stack) is { } invalid) return invalid;
        var text = await RequestBody.ReadTextAsync(request, HostStackParser.MaxBytes);
        if (string.IsNullOrWhiteSpace(text)) return ProblemResults.BadRequest("body", "send the compose file (application/yaml or application/json) as the body");
        var contentType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        HostStackSpec spec;
        switch (contentType)
        {
            case null or "" or "application/yaml" or "application/x-yaml" or "text/yaml" or "text/x-yaml":
                spec = HostStackParser.ParseYaml(text, stack);
                break;
            case "application/json":
                spec = HostStackParser.ParseJson(text, stack);
                break;
            default:
                return ProblemResults.Problem(StatusCodes.Status415UnsupportedMediaType, $"send the compose file as application/yaml or application/json, not '{contentType}'", "Content-Type");
        }
        if (await UsableHostAsync(hostId, cluster, retry) is { } problem) return problem;
        // Not retried by the gateway: an apply may outlast the retry budget. It is idempotent, so a client may repeat it.
        return Results.Ok(await cluster.GetGrain<IAgentHostGrain>(hostId).ApplyHostStack(spec, dryRun));
    }

    private static IResult? InvalidStack(string stack) =>
        HostStackParser.IsValidName(stack) ? null : ProblemResults.BadRequest("stack", "stack names are DNS labels (lowercase letters, digits and -, at most 63)");

    private static IResult NoSuchStack(string hostId, string stack) =>
        ProblemResults.Problem(StatusCodes.Status404NotFound, $"host '{hostId}' runs no stack '{stack}'", "stack");

    /// <summary>404 for a host the registry does not know (or removed), 503 while it is down: its grain is asked only about a live host.</summary>
    private static async Task<IResult?> UsableHostAsync(string hostId, IClusterClient cluster, GrainCallRetry retry)
    {
        if (!ResourceIds.IsValidHostId(hostId)) return ProblemResults.BadRequest("hostId", $"host id must match {ResourceIds.HostIdPattern}");
        var entry = await retry.Run(() => cluster.GetGrain<IHostRegistryGrain>(0).Get(hostId));
        return entry switch
        {
            null or { State: HostState.Removed } => ProblemResults.Problem(StatusCodes.Status404NotFound, $"host '{hostId}' is not registered", "hostId"),
            { State: HostState.Down } => ProblemResults.Problem(StatusCodes.Status503ServiceUnavailable, $"host '{hostId}' is down", "hostId", retryAfterSeconds: 5),
            _ => null,
        };
    }
}
