using Berth.Contracts;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;
using Berth.Gateway.Cluster;
using Berth.Grains;
using Berth.Specs;
using Microsoft.Extensions.Options;

namespace Berth.Gateway.Endpoints;

/// <summary><c>/workloads</c>: register, read, update and delete workload specs.</summary>
public static class WorkloadEndpoints
{
    /// <summary>A registered spec; <see cref="Warnings"/> names what it asks for that Berth ignores. Sink keys are never in it.</summary>
    /// <param name="Source">Where it was last registered from: <c>file:NAME</c>, <c>env:VARIABLE</c> or <c>api</c>.</param>
    /// <param name="Retiring">Its file went (with pruning on): no new claims; deleted once its tenants release.</param>
    public sealed record WorkloadResponse(string Id, string Version, DateTimeOffset UpdatedAt, WorkloadSpec Spec, string[] Warnings, string? Source, bool Retiring)
    {
        public static WorkloadResponse From(WorkloadRecord record) =>
            new(record.Spec.Id, record.Version, record.UpdatedAt, record.Spec, WorkloadWarnings.Of(record.Spec), record.Source, record.Retiring);
    }

    public static RouteGroupBuilder MapWorkloadEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/workloads").WithTags("Workloads");

        group.MapGet("/", async (IClusterClient cluster, GrainCallRetry retry) =>
            Results.Ok((await retry.Run(() => Catalog(cluster).List())).Select(WorkloadResponse.From)))
            .WithSummary("List the registered workloads")
        .RequireAuthorization(BerthPolicies.Read);

        group.MapGet("/{id}", async (string id, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidId(id) is { } problem) return problem;
            return await retry.Run(() => Catalog(cluster).Get(id)) is { } record
                ? Results.Ok(WorkloadResponse.From(record))
                : ProblemResults.Problem(404, $"workload '{id}' does not exist", "id");
        })
        .WithSummary("Read one workload spec")
        .RequireAuthorization(BerthPolicies.Read);

        group.MapPut("/{id}", async (string id, bool? force, HttpContext context, HttpRequest request, IClusterClient cluster, IOptions<GatewayOptions> options, GrainCallRetry retry) =>
        {
            if (InvalidId(id) is { } problem) return problem;
            var text = await RequestBody.ReadTextAsync(request, options.Value.MaxSpecBytes);
            var contentType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
            WorkloadSpec spec;
            switch (contentType)
            {
                case null or "" or "application/yaml" or "application/x-yaml" or "text/yaml" or "text/x-yaml":
                    spec = WorkloadSpecParser.ParseYaml(text, expectedId: id);
                    break;
                case "application/json":
                    spec = WorkloadSpecParser.ParseJson(text, expectedId: id);
                    break;
                default:
                    return ProblemResults.Problem(415, $"send the spec as application/yaml or application/json, not '{contentType}'", "Content-Type");
            }
            var previous = await retry.Run(() => Catalog(cluster).Get(id));
            var (record, created) = await retry.Run(() => Catalog(cluster).Upsert(spec, force == true, WorkloadRecord.ApiSource));
            if (previous is not null && previous.Version != record.Version)
            {
                await StartRolloutAsync(context, previous, record, cluster, retry);
            }
            var body = WorkloadResponse.From(record);
            return created ? Results.Created($"/workloads/{id}", body) : Results.Ok(body);
        })
        .WithSummary("Register or update a workload (YAML in the Boilerhouse format, or JSON); ?force=true stops syncing a path tenants have snapshots of")
        .RequireAuthorization(BerthPolicies.Operate);

        group.MapDelete("/{id}", async (string id, bool? purge, bool? force, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidId(id) is { } problem) return problem;
            string[] released = [];
            if (force == true)
            {
                // Checked first only here: nobody is released for a workload that does not exist (the catalog's delete says 404 otherwise).
                if (await retry.Run(() => Catalog(cluster).Get(id)) is null) return ProblemResults.Problem(404, $"workload '{id}' does not exist", "id");
                released = await ReleaseHoldersAsync(id, purge == true, cluster, retry);
            }
            var deletion = await retry.Run(() => Catalog(cluster).Delete(id, purge == true));
            return purge == true || force == true
                ? Results.Ok(new WorkloadDeletionResponse(deletion.Workload, deletion.Purged, deletion.PurgedSnapshots, deletion.PendingTenants, released))
                : Results.NoContent();
        })
        .Produces<WorkloadDeletionResponse>()
        .WithSummary("Delete a workload (409 while tenants hold its containers, unless force=true releases them); purge=true also deletes its snapshots")
        .RequireAuthorization(BerthPolicies.Operate);

        group.MapPost("/{id}/provision", async (string id, HttpContext context, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (InvalidId(id) is { } problem) return problem;
            var (body, bodyProblem) = await RequestBody.ReadJsonAsync<ProvisionRequest>(context.Request, optional: false);
            if (bodyProblem is not null) return bodyProblem;
            if (ValidateTenants(body!.Tenants) is { } invalid) return invalid;
            if (await retry.Run(() => Catalog(cluster).Get(id)) is null) return ProblemResults.Problem(404, $"workload '{id}' does not exist", "id");
            var plan = OperationEndpoints.Plan(context, OperationKind.Provision, id) with { Tenants = body.Tenants! };
            var operation = await OperationEndpoints.StartAsync(context, plan, cluster, retry);
            return Results.Accepted($"/operations/{operation.Id}", OperationEndpoints.OperationResponse.From(operation));
        })
        .Produces<OperationEndpoints.OperationResponse>(202)
        .WithSummary("Claim each listed tenant on the workload, a few at a time, as an operation; per-tenant failures are its errors")
        .RequireAuthorization(BerthPolicies.Operate);

        return group;
    }

    /// <summary>The answer to a delete with <c>purge</c> or <c>force</c>: what went, and whose containers were released.</summary>
    public sealed record WorkloadDeletionResponse(string Workload, bool Purged, int PurgedSnapshots, string[] PendingTenants, string[] ReleasedTenants);

    /// <summary>
    /// A forced delete releases every holder first, here rather than in the catalog (a release reports
    /// to the catalog, which would wait on itself): with their state saved, or, when the snapshots
    /// are purged anyway, without.
    /// </summary>
    private static async Task<string[]> ReleaseHoldersAsync(string workload, bool purge, IClusterClient cluster, GrainCallRetry retry)
    {
        var holders = await retry.Run(() => cluster.GetGrain<IWorkloadPoolGrain>(workload).ClaimHolders());
        foreach (var tenant in holders)
        {
            var grain = cluster.GetGrain<ITenantGrain>(tenant);
            await retry.Run(() => purge ? grain.ForceRelease(workload) : grain.Release(workload, null));
        }
        return holders;
    }

    /// <summary><c>POST /workloads/{id}/provision</c>.</summary>
    public sealed record ProvisionRequest(string[]? Tenants);

    /// <summary>Tenants one provision may claim: enough for a batch, bounded so that one request stays one operation's worth.</summary>
    public const int MaxProvisionTenants = 1000;

    private static IResult? ValidateTenants(string[]? tenants)
    {
        if (tenants is null || tenants.Length == 0) return ProblemResults.BadRequest("tenants", "a non-empty list of tenant ids is required");
        if (tenants.Length > MaxProvisionTenants) return ProblemResults.BadRequest("tenants", $"at most {MaxProvisionTenants} tenants per provision");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < tenants.Length; i++)
        {
            if (!ResourceIds.IsValidTenantId(tenants[i])) return ProblemResults.BadRequest($"tenants[{i}]", $"tenant id must match {ResourceIds.TenantIdPattern}");
            if (!seen.Add(tenants[i])) return ProblemResults.BadRequest($"tenants[{i}]", $"tenant '{tenants[i]}' is listed twice");
        }
        return null;
    }

    /// <summary>A changed spec whose pool still has members of the older one: their replacement is tracked as a rollout.</summary>
    private static async Task StartRolloutAsync(HttpContext context, WorkloadRecord previous, WorkloadRecord record, IClusterClient cluster, GrainCallRetry retry)
    {
        var view = await retry.Run(() => cluster.GetGrain<IWorkloadPoolGrain>(record.Spec.Id).GetView());
        if (view.Members.All(m => m.SpecVersion == record.Version)) return;
        var plan = OperationEndpoints.Plan(context, OperationKind.Rollout, record.Spec.Id) with { Version = record.Version, PreviousSpec = previous.Spec };
        await OperationEndpoints.StartAsync(context, plan, cluster, retry);
    }

    internal static IResult? InvalidId(string id) =>
        ResourceIds.IsValidWorkloadId(id) ? null : ProblemResults.BadRequest("id", $"workload id must match {ResourceIds.WorkloadIdPattern}");

    private static IWorkloadCatalogGrain Catalog(IClusterClient cluster) => cluster.GetGrain<IWorkloadCatalogGrain>(0);
}
