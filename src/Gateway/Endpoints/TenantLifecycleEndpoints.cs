using Berth.Contracts;
using Berth.Gateway.Cluster;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;
using Berth.Grains;
using Berth.Specs;

namespace Berth.Gateway.Endpoints;

/// <summary>
/// <c>/tenants/{tenantId}/pause|resume|stop|start|extend|touch</c>: the lifecycle past claim and
/// release. Each is idempotent (pausing a paused claim answers it as it is) and answers 409 naming
/// the state when the claim cannot make that move.
/// </summary>
public static class TenantLifecycleEndpoints
{
    public sealed record WorkloadRequest(string? Workload);

    public sealed record ExtendRequest(string? Workload, string? Ttl);

    public static RouteGroupBuilder MapTenantLifecycleEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/tenants/{tenantId}").WithTags("Tenants");

        MapMove(group, "pause", "Freeze the tenant's container (docker pause); a claim or resume unpauses it with no restore",
            (tenant, workload) => tenant.Pause(workload));
        MapMove(group, "resume", "Unpause the tenant's paused container (source: resumed)", (tenant, workload) => tenant.Resume(workload));
        MapMove(group, "stop", "Stop the tenant's container, keeping it and its volume", (tenant, workload) => tenant.Stop(workload));
        MapMove(group, "start", "Start the tenant's stopped container again, with its files", (tenant, workload) => tenant.Start(workload));

        group.MapPost("/extend", async (string tenantId, HttpRequest request, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (TenantEndpoints.InvalidTenant(tenantId) is { } problem) return problem;
            var (body, bodyProblem) = await RequestBody.ReadJsonAsync<ExtendRequest>(request, optional: false);
            if (bodyProblem is not null) return bodyProblem;
            if (InvalidWorkload(body!.Workload) is { } workloadProblem) return workloadProblem;
            var (ttl, ttlProblem) = TenantEndpoints.ParseTtl(body.Ttl);
            if (ttlProblem is not null) return ttlProblem;
            return Results.Ok(await retry.Run(() => cluster.GetGrain<ITenantGrain>(tenantId).Extend(body.Workload, ttl!.Value)));
        })
        .Produces<TenantClaimView>()
        .WithSummary("Set the claim to end ttl from now ({\"ttl\": \"30m\"}; never past pool.max_claim_duration)")
        .RequireAuthorization(BerthPolicies.TenantWrite);

        group.MapPost("/touch", async (string tenantId, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (TenantEndpoints.InvalidTenant(tenantId) is { } problem) return problem;
            await retry.Run(() => cluster.GetGrain<ITenantGrain>(tenantId).Touch());
            return Results.NoContent();
        })
        .WithSummary("Count as activity now: the idle timeout (pool.claim_idle_timeout) starts again")
        .RequireAuthorization(BerthPolicies.TenantWrite);

        return group;
    }

    private static void MapMove(RouteGroupBuilder group, string verb, string summary, Func<ITenantGrain, string?, Task<TenantClaimView>> move) =>
        group.MapPost($"/{verb}", async (string tenantId, HttpRequest request, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (TenantEndpoints.InvalidTenant(tenantId) is { } problem) return problem;
            var (body, bodyProblem) = await RequestBody.ReadJsonAsync<WorkloadRequest>(request, optional: true);
            if (bodyProblem is not null) return bodyProblem;
            if (InvalidWorkload(body?.Workload) is { } workloadProblem) return workloadProblem;
            return Results.Ok(await retry.Run(() => move(cluster.GetGrain<ITenantGrain>(tenantId), body?.Workload)));
        })
        .Produces<TenantClaimView>()
        .WithSummary(summary)
        .RequireAuthorization(BerthPolicies.TenantWrite);

    private static IResult? InvalidWorkload(string? workload) =>
        workload is not null && WorkloadEndpoints.InvalidId(workload) is not null
            ? ProblemResults.BadRequest("workload", $"workload must match {ResourceIds.WorkloadIdPattern}")
            : null;
}
