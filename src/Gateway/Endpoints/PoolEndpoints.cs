using Berth.Contracts;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;
using Berth.Gateway.Cluster;
using Berth.Grains;
using Berth.Specs;

namespace Berth.Gateway.Endpoints;

/// <summary><c>/pools</c>: what the cluster keeps warm and has handed out.</summary>
public static class PoolEndpoints
{
    public static IEndpointRouteBuilder MapPoolEndpoints(this IEndpointRouteBuilder app)
    {
        var pools = app.MapGroup("/pools").WithTags("Pools");

        pools.MapGet("/", async (IClusterClient cluster, GrainCallRetry retry) =>
        {
            var workloads = await retry.Run(() => cluster.GetGrain<IWorkloadCatalogGrain>(0).List());
            var views = await Task.WhenAll(workloads.Select(w => cluster.GetGrain<IWorkloadPoolGrain>(w.Spec.Id).GetView()));
            return Results.Ok(views);
        })
        .WithSummary("Every pool's counts and members")
        .RequireAuthorization(BerthPolicies.Read);

        pools.MapGet("/{workload}", async (string workload, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (WorkloadEndpoints.InvalidId(workload) is { } problem) return problem;
            if (await retry.Run(() => cluster.GetGrain<IWorkloadCatalogGrain>(0).Get(workload)) is null)
            {
                return ProblemResults.Problem(404, $"workload '{workload}' does not exist", "workload");
            }
            return Results.Ok(await retry.Run(() => cluster.GetGrain<IWorkloadPoolGrain>(workload).GetView()));
        })
        .Produces<PoolView>()
        .WithSummary("A pool's idle, claimed and creating counts and its members")
        .RequireAuthorization(BerthPolicies.Read);

        pools.MapPost("/{workload}/resize", async (string workload, HttpContext context, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (WorkloadEndpoints.InvalidId(workload) is { } problem) return problem;
            var (body, bodyProblem) = await RequestBody.ReadJsonAsync<ResizeRequest>(context.Request, optional: false);
            if (bodyProblem is not null) return bodyProblem;
            if (body!.MinSize is null && body.MaxSize is null) return ProblemResults.BadRequest("minSize", "minSize or maxSize (or both) is required");
            var catalog = cluster.GetGrain<IWorkloadCatalogGrain>(0);
            if (await retry.Run(() => catalog.Get(workload)) is not { } record)
            {
                return ProblemResults.Problem(404, $"workload '{workload}' does not exist", "workload");
            }
            var pool = record.Spec.Pool;
            var (min, max) = (body.MinSize ?? pool.MinSize, body.MaxSize ?? pool.MaxSize);
            if (PoolSizeRules.Violation(min, max, pool.MaxWarm, "minSize", "maxSize") is { } violation)
            {
                return ProblemResults.BadRequest(violation.Field, violation.Message);
            }
            // The registered spec changes (its version does not: sizes are no part of it, so no member is replaced).
            await retry.Run(() => catalog.Upsert(record.Spec with { Pool = pool with { MinSize = min, MaxSize = max } }));
            var plan = OperationEndpoints.Plan(context, OperationKind.Resize, workload) with { MinSize = min, MaxSize = max, PreviousSpec = record.Spec };
            var operation = await OperationEndpoints.StartAsync(context, plan, cluster, retry);
            return Results.Accepted($"/operations/{operation.Id}", OperationEndpoints.OperationResponse.From(operation));
        })
        .Produces<OperationEndpoints.OperationResponse>(202)
        .WithSummary("Change the pool's minSize and maxSize, as an operation that follows its idle members toward the new minimum")
        .RequireAuthorization(BerthPolicies.Operate);

        return app;
    }

    /// <summary><c>POST /pools/{workload}/resize</c>: either size may be left out (it stays).</summary>
    public sealed record ResizeRequest(int? MinSize, int? MaxSize);
}
