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

        return app;
    }
}
