using Berth.Contracts;
using Berth.Errors;
using Berth.Gateway.Cluster;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;
using Berth.Grains;
using Microsoft.AspNetCore.Authorization;

namespace Berth.Gateway.Endpoints;

/// <summary>
/// <c>/api/v1/tenants/{tenantId}</c>: Boilerhouse's own routes and answer shapes, so that its
/// clients work unchanged (behind Berth's keys): a claim answers <c>{containerId, endpoints}</c>,
/// a release <c>{success: true}</c>, a full pool 429, and status <c>{status: cold|warm|provisioning, …}</c>.
/// The work is Berth's own claim and release, with the same guarantees.
/// </summary>
public static class BoilerhouseEndpoints
{
    public sealed record ClaimAnswer(string ContainerId, EndpointAnswer? Endpoints);

    public sealed record EndpointAnswer(string Http, int Port);

    public sealed record ReleaseBody(string? PoolId, string? Workload, bool? Sync);

    public sealed record ReleaseAnswer(bool Success);

    public sealed record StatusAnswer(string Status, string? ContainerId, string? PoolId, int? Port, HttpAnswer? Endpoints, SyncStatusAnswer SyncStatus);

    public sealed record HttpAnswer(string Http);

    public sealed record SyncStatusAnswer(DateTimeOffset? LastSync, string State, string? Error);

    public static RouteGroupBuilder MapBoilerhouseEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/tenants/{tenantId}").WithTags("Boilerhouse compatibility");

        group.MapPost("/claim", async (string tenantId, HttpRequest request, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (TenantEndpoints.InvalidTenant(tenantId) is { } problem) return problem;
            var (workload, ttl, workloadProblem) = await TenantEndpoints.ClaimedWorkloadAsync(request);
            if (workloadProblem is not null) return workloadProblem;
            try
            {
                var view = await retry.Run(() => cluster.GetGrain<ITenantGrain>(tenantId).Claim(workload!, Guid.NewGuid().ToString("N"), ttl));
                return Results.Ok(new ClaimAnswer(view.ContainerId!, EndpointOf(view)));
            }
            catch (BerthException ex) when (ex.PoolFull)
            {
                // Boilerhouse answers a full pool with 429.
                return ProblemResults.Problem(StatusCodes.Status429TooManyRequests, ex.Message, retryAfterSeconds: ex.RetryAfterSeconds);
            }
        })
        .Produces<ClaimAnswer>()
        .WithSummary("Boilerhouse: claim a container ({\"poolId\"} or {\"workload\"})")
        .RequireAuthorization(BerthPolicies.TenantWrite);

        group.MapPost("/release", async (string tenantId, HttpRequest request, IClusterClient cluster, GrainCallRetry retry, IAuthorizationService authorization) =>
        {
            if (TenantEndpoints.InvalidTenant(tenantId) is { } problem) return problem;
            var (body, bodyProblem) = await RequestBody.ReadJsonAsync<ReleaseBody>(request, optional: true);
            if (bodyProblem is not null) return bodyProblem;
            // Boilerhouse's {sync: false} skips saving: in Berth that destroys unsaved state, an admin's call.
            var (_, releaseProblem) = await TenantEndpoints.ReleaseAsync(tenantId, body?.Workload ?? body?.PoolId, body?.Sync == false, request, cluster, retry, authorization);
            return releaseProblem ?? Results.Ok(new ReleaseAnswer(true));
        })
        .Produces<ReleaseAnswer>()
        .WithSummary("Boilerhouse: release the tenant's container ({success: true})")
        .RequireAuthorization(BerthPolicies.TenantWrite);

        group.MapGet("/status", async (string tenantId, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (TenantEndpoints.InvalidTenant(tenantId) is { } problem) return problem;
            var status = await retry.Run(() => cluster.GetGrain<ITenantGrain>(tenantId).GetStatus());
            return Results.Ok(StatusOf(status));
        })
        .Produces<StatusAnswer>()
        .WithSummary("Boilerhouse: the tenant's status (cold, warm or provisioning)")
        .RequireAuthorization(BerthPolicies.TenantRead);

        return group;
    }

    private static EndpointAnswer? EndpointOf(TenantClaimView view) =>
        view.Endpoints.FirstOrDefault(e => e.Protocol == "tcp") is { } endpoint
            ? new EndpointAnswer($"http://{endpoint.HostIp}:{endpoint.HostPort}", endpoint.HostPort)
            : null;

    /// <summary>Boilerhouse has one claim per tenant: the most active one stands for the tenant.</summary>
    private static StatusAnswer StatusOf(TenantStatus status)
    {
        var claim = status.Claims
            .OrderBy(c => c.State switch
            {
                TenantClaimState.Claimed => 0,
                TenantClaimState.Claiming or TenantClaimState.Restoring => 1,
                TenantClaimState.Releasing or TenantClaimState.Saving => 2,
                _ => 3,
            })
            .FirstOrDefault();
        if (claim is null)
        {
            return new StatusAnswer("cold", null, null, null, null, new SyncStatusAnswer(null, "idle", null));
        }
        var endpoint = EndpointOf(claim);
        var kind = claim.State switch
        {
            TenantClaimState.Claimed => "warm",
            TenantClaimState.Claiming or TenantClaimState.Restoring => "provisioning",
            _ => "cold",
        };
        var sync = claim.State switch
        {
            TenantClaimState.Saving or TenantClaimState.Restoring => new SyncStatusAnswer(claim.LastSnapshotAt, claim.Error is null ? "syncing" : "error", claim.Error),
            TenantClaimState.Failed or TenantClaimState.Lost => new SyncStatusAnswer(claim.LastSnapshotAt, "error", claim.Error),
            _ => new SyncStatusAnswer(claim.LastSnapshotAt, "idle", null),
        };
        return new StatusAnswer(kind, kind == "cold" ? null : claim.ContainerId, claim.Workload, kind == "cold" ? null : endpoint?.Port,
            kind == "cold" || endpoint is null ? null : new HttpAnswer(endpoint.Http), sync);
    }
}
