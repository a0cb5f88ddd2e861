using Berth.Contracts;
using Berth.Gateway.Cluster;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;
using Berth.Grains;
using Berth.Security;
using Berth.Specs;
using Microsoft.Extensions.Caching.Memory;

namespace Berth.Gateway.Endpoints;

/// <summary><c>/auth/keys</c>: create (shown once), list and revoke API keys; <c>/auth/whoami</c>.</summary>
public static class ApiKeyEndpoints
{
    public sealed record CreateKeyRequest(string? Name, string? Role, string? TenantId);

    /// <summary>The only answer that ever carries a key's secret.</summary>
    public sealed record CreatedKey(ApiKeyView Key, string Secret);

    public sealed record WhoAmI(string Name, string? Role, string? TenantId);

    public static RouteGroupBuilder MapApiKeyEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/auth").WithTags("Auth");

        group.MapGet("/whoami", (HttpContext context) => Results.Ok(new WhoAmI(
            BerthClaims.NameOf(context.User), BerthClaims.RoleOf(context.User), BerthClaims.TenantOf(context.User))))
            .WithSummary("The caller's principal, role and tenant");

        group.MapPost("/keys", async (HttpRequest request, HttpContext context, IClusterClient cluster, GrainCallRetry retry) =>
        {
            var (body, problem) = await RequestBody.ReadJsonAsync<CreateKeyRequest>(request, optional: false);
            if (problem is not null) return problem;
            if (string.IsNullOrWhiteSpace(body!.Name) || body.Name.Length > 100) return ProblemResults.BadRequest("name", "name is required (at most 100 characters)");
            if (body.Role is null || !BerthRoles.IsKnown(body.Role)) return ProblemResults.BadRequest("role", $"role must be one of {string.Join(", ", BerthRoles.All)}");
            if (body.Role == BerthRoles.Tenant ? !ResourceIds.IsValidTenantId(body.TenantId) : body.TenantId is not null)
            {
                return ProblemResults.BadRequest("tenantId", $"a tenant key needs tenantId matching {ResourceIds.TenantIdPattern}; other roles take none");
            }
            var (id, key) = ApiKeyFormat.Generate();
            var view = new ApiKeyView
            {
                Id = id, Name = body.Name, Role = body.Role, TenantId = body.TenantId,
                CreatedAt = DateTimeOffset.UtcNow, CreatedBy = BerthClaims.NameOf(context.User),
            };
            await retry.Run(() => cluster.GetGrain<IApiKeyRegistryGrain>(0).Register(new ApiKeyRegistration { Key = view, SecretHash = ApiKeyFormat.Hash(key) }));
            return Results.Created($"/auth/keys/{id}", new CreatedKey(view, key));
        })
        .RequireAuthorization(BerthPolicies.Admin)
        .Produces<CreatedKey>(StatusCodes.Status201Created)
        .WithSummary("Create an API key; its secret is in this answer only");

        group.MapGet("/keys", async (IClusterClient cluster, GrainCallRetry retry) =>
            Results.Ok(await retry.Run(() => cluster.GetGrain<IApiKeyRegistryGrain>(0).List())))
            .RequireAuthorization(BerthPolicies.Admin)
            .Produces<ApiKeyView[]>()
            .WithSummary("List API keys (never their secrets)");

        group.MapDelete("/keys/{keyId}", async (string keyId, IClusterClient cluster, GrainCallRetry retry, IMemoryCache cache) =>
        {
            if (!ApiKeyFormat.IsValidId(keyId)) return ProblemResults.BadRequest("keyId", "not a key id");
            var revoked = await retry.Run(() => cluster.GetGrain<IApiKeyRegistryGrain>(0).Revoke(keyId));
            ApiKeyAuthenticationHandler.Forget(cache, keyId);
            return revoked ? Results.NoContent() : ProblemResults.Problem(StatusCodes.Status404NotFound, $"no API key '{keyId}'");
        })
        .RequireAuthorization(BerthPolicies.Admin)
        .WithSummary("Revoke an API key (other gateways stop accepting it within Auth:KeyCacheDuration)");

        return group;
    }
}
