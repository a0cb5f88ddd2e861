using Berth.Contracts;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;
using Berth.Gateway.Cluster;
using Berth.Grains;
using Berth.Specs;

namespace Berth.Gateway.Endpoints;

/// <summary><c>/tenants/{tenantId}</c>: claim, release and status.</summary>
public static class TenantEndpoints
{
    /// <summary><c>poolId</c> is Boilerhouse's name for the workload; either may be given.</summary>
    /// <param name="Ttl">How long the claim may last (a duration such as 30m; never past pool.max_claim_duration).</param>
    public sealed record ClaimRequest(string? Workload, string? PoolId = null, string? Ttl = null)
    {
        public string? Effective => Workload ?? PoolId;
    }

    public sealed record ReleaseRequest(string? Workload, string? PoolId = null)
    {
        public string? Effective => Workload ?? PoolId;
    }

    public sealed record SyncRequest(string? Workload);

    /// <summary>A client's own id for a claim or release; a retry repeating it never acts twice.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Largest accepted secret value.</summary>
    private const int MaxSecretBytes = 64 * 1024;

    /// <summary>The client's Idempotency-Key, or a new id: either way one id for every attempt of this request.</summary>
    internal static (string OperationId, IResult? Problem) OperationId(HttpRequest request)
    {
        var key = request.Headers[IdempotencyKeyHeader].ToString();
        if (key.Length == 0) return (Guid.NewGuid().ToString("N"), null);
        return key.Length > 128 || key.Any(c => c is < '!' or > '~')
            ? (key, ProblemResults.BadRequest(IdempotencyKeyHeader, $"{IdempotencyKeyHeader} must be 1-128 printable ASCII characters"))
            : (key, null);
    }

    /// <summary>The workload a claim body names (<c>workload</c>, or Boilerhouse's <c>poolId</c>), validated.</summary>
    internal static async Task<(string? Workload, TimeSpan? Ttl, IResult? Problem)> ClaimedWorkloadAsync(HttpRequest request)
    {
        var (body, bodyProblem) = await RequestBody.ReadJsonAsync<ClaimRequest>(request, optional: false);
        if (bodyProblem is not null) return (null, null, bodyProblem);
        if (body!.Workload is not null && body.PoolId is not null && body.Workload != body.PoolId)
        {
            return (null, null, ProblemResults.BadRequest("poolId", "workload and poolId name the same thing; give one, or the same value"));
        }
        if (string.IsNullOrEmpty(body.Effective)) return (null, null, ProblemResults.BadRequest("workload", "workload (or poolId) is required"));
        if (WorkloadEndpoints.InvalidId(body.Effective) is not null)
        {
            return (null, null, ProblemResults.BadRequest("workload", $"workload must match {ResourceIds.WorkloadIdPattern}"));
        }
        if (body.Ttl is null) return (body.Effective, null, null);
        var (ttl, ttlProblem) = ParseTtl(body.Ttl);
        return (body.Effective, ttl, ttlProblem);
    }

    /// <summary>A claim's time limit: a duration from one second to 30 days.</summary>
    internal static (TimeSpan? Ttl, IResult? Problem) ParseTtl(string? text)
    {
        if (string.IsNullOrEmpty(text)) return (null, ProblemResults.BadRequest("ttl", "ttl is required: a duration such as 30m or 1h30m"));
        if (!DurationParser.TryParse(text, out var ttl)) return (null, ProblemResults.BadRequest("ttl", $"ttl must be a duration such as 30m or 1h30m, not '{text}'"));
        if (ttl < TimeSpan.FromSeconds(1) || ttl > TimeSpan.FromDays(30)) return (null, ProblemResults.BadRequest("ttl", "ttl must be between 1s and 30 days"));
        return (ttl, null);
    }

    /// <summary>A release, or with <paramref name="force"/> an admin's release without saving.</summary>
    internal static async Task<(TenantClaimView? View, IResult? Problem)> ReleaseAsync(string tenantId, string? workload, bool force, HttpRequest request,
        IClusterClient cluster, GrainCallRetry retry, Microsoft.AspNetCore.Authorization.IAuthorizationService authorization)
    {
        if (workload is not null && WorkloadEndpoints.InvalidId(workload) is not null)
        {
            return (null, ProblemResults.BadRequest("workload", $"workload must match {ResourceIds.WorkloadIdPattern}"));
        }
        if (force)
        {
            // Destroys state that could not be saved: an admin's decision alone (and audited like every release).
            if (!(await authorization.AuthorizeAsync(request.HttpContext.User, resource: null, BerthPolicies.Admin)).Succeeded)
            {
                return (null, ProblemResults.Problem(StatusCodes.Status403Forbidden, "force=true destroys the container without saving its state; only an admin may", "force"));
            }
            return (await retry.Run(() => cluster.GetGrain<ITenantGrain>(tenantId).ForceRelease(workload)), null);
        }
        // A retry that arrives after the release finished (and the tenant claimed again) must not release the new claim.
        var (operationId, keyProblem) = OperationId(request);
        if (keyProblem is not null) return (null, keyProblem);
        return (await retry.Run(() => cluster.GetGrain<ITenantGrain>(tenantId).Release(workload, operationId)), null);
    }

    public static RouteGroupBuilder MapTenantEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/tenants/{tenantId}").WithTags("Tenants");

        group.MapPost("/claim", async (string tenantId, HttpRequest request, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidTenant(tenantId) is { } problem) return problem;
            var (workload, ttl, workloadProblem) = await ClaimedWorkloadAsync(request);
            if (workloadProblem is not null) return workloadProblem;
            // A retry of a claim that failed meanwhile gets that claim's error instead of a new attempt.
            var (operationId, keyProblem) = OperationId(request);
            if (keyProblem is not null) return keyProblem;
            return Results.Ok(await retry.Run(() => cluster.GetGrain<ITenantGrain>(tenantId).Claim(workload!, operationId, ttl)));
        })
        .Produces<TenantClaimView>()
        .WithSummary("Claim a container of a workload for the tenant (idempotent)")
        .RequireAuthorization(BerthPolicies.TenantWrite);

        group.MapPost("/release", async (string tenantId, bool? force, HttpRequest request, IClusterClient cluster, GrainCallRetry retry,
            Microsoft.AspNetCore.Authorization.IAuthorizationService authorization) =>
        {
            if (InvalidTenant(tenantId) is { } problem) return problem;
            var (body, bodyProblem) = await RequestBody.ReadJsonAsync<ReleaseRequest>(request, optional: true);
            if (bodyProblem is not null) return bodyProblem;
            var (view, releaseProblem) = await ReleaseAsync(tenantId, body?.Effective, force == true, request, cluster, retry, authorization);
            return releaseProblem ?? Results.Ok(view);
        })
        .Produces<TenantClaimView>()
        .WithSummary("Release the tenant's container (destroyed, never handed to another tenant)")
        .RequireAuthorization(BerthPolicies.TenantWrite);

        group.MapPost("/sync", async (string tenantId, HttpRequest request, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidTenant(tenantId) is { } problem) return problem;
            var (body, bodyProblem) = await RequestBody.ReadJsonAsync<SyncRequest>(request, optional: true);
            if (bodyProblem is not null) return bodyProblem;
            if (body?.Workload is { } workload && WorkloadEndpoints.InvalidId(workload) is not null)
            {
                return ProblemResults.BadRequest("workload", $"workload must match {ResourceIds.WorkloadIdPattern}");
            }
            return Results.Ok(await retry.Run(() => cluster.GetGrain<ITenantGrain>(tenantId).Sync(body?.Workload)));
        })
        .Produces<TenantClaimView>()
        .WithSummary("Snapshot the tenant's claimed container now (needs sync.policy.manual)")
        .RequireAuthorization(BerthPolicies.TenantWrite);

        group.MapGet("/secrets", async (string tenantId, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidTenant(tenantId) is { } problem) return problem;
            return Results.Ok(new { names = await retry.Run(() => cluster.GetGrain<ITenantGrain>(tenantId).ListSecrets()) });
        })
        .WithSummary("The names of the tenant's secrets (values are never returned)")
        .RequireAuthorization(BerthPolicies.TenantRead);

        group.MapPut("/secrets/{name}", async (string tenantId, string name, HttpRequest request, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidTenant(tenantId) is { } problem) return problem;
            if (!ResourceIds.IsValidSecretName(name)) return ProblemResults.BadRequest("name", $"secret names must match {ResourceIds.SecretNamePattern}");
            var value = await RequestBody.ReadBytesAsync(request, MaxSecretBytes);
            await retry.Run(() => cluster.GetGrain<ITenantGrain>(tenantId).PutSecret(name, value));
            return Results.NoContent();
        })
        .WithSummary("Store a secret (the raw body), encrypted at rest; it appears as a read-only file at the next claim")
        .RequireAuthorization(BerthPolicies.TenantWrite);

        group.MapDelete("/secrets/{name}", async (string tenantId, string name, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidTenant(tenantId) is { } problem) return problem;
            if (!ResourceIds.IsValidSecretName(name)) return ProblemResults.BadRequest("name", $"secret names must match {ResourceIds.SecretNamePattern}");
            return await retry.Run(() => cluster.GetGrain<ITenantGrain>(tenantId).DeleteSecret(name))
                ? Results.NoContent()
                : ProblemResults.Problem(404, $"tenant '{tenantId}' has no secret '{name}'", "name");
        })
        .WithSummary("Delete a secret")
        .RequireAuthorization(BerthPolicies.TenantWrite);

        group.MapGet("/status", async (string tenantId, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidTenant(tenantId) is { } problem) return problem;
            return Results.Ok(await retry.Run(() => cluster.GetGrain<ITenantGrain>(tenantId).GetStatus()));
        })
        .Produces<TenantStatus>()
        .WithSummary("The tenant's claims and their states")
        .RequireAuthorization(BerthPolicies.TenantRead);

        return group;
    }

    internal static IResult? InvalidTenant(string tenantId) =>
        ResourceIds.IsValidTenantId(tenantId) ? null : ProblemResults.BadRequest("tenantId", $"tenant id must match {ResourceIds.TenantIdPattern}");
}
