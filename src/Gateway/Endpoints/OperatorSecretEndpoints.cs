using Berth.Gateway.Cluster;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;
using Berth.Grains;
using Berth.Specs;

namespace Berth.Gateway.Endpoints;

/// <summary>
/// <c>/secrets</c>: the operator secret store host stacks read <c>${secret:NAME}</c> from. A value
/// goes in as the request body and never comes out: answers carry names only.
/// </summary>
public static class OperatorSecretEndpoints
{
    public sealed record SecretNameResponse(string Name);

    public sealed record SecretListResponse(string[] Names);

    public static IEndpointRouteBuilder MapOperatorSecretEndpoints(this IEndpointRouteBuilder app)
    {
        var secrets = app.MapGroup("/secrets").WithTags("Operator secrets").RequireAuthorization(BerthPolicies.Operate);

        secrets.MapGet("/", async (IClusterClient cluster, GrainCallRetry retry) =>
            Results.Ok(new SecretListResponse(await retry.Run(() => Store(cluster).Names()))))
            .Produces<SecretListResponse>()
            .WithSummary("The names of the operator secrets (never their values)");

        secrets.MapPut("/{secretName}", async (string secretName, HttpRequest request, IClusterClient cluster, GrainCallRetry retry) =>
        {
            if (!ResourceIds.IsValidSecretName(secretName)) return ProblemResults.BadRequest("secretName", $"secret names must match {ResourceIds.SecretNamePattern}");
            // The value is the body as sent: a trailing newline from a file is part of it, as in a Docker secret.
            var value = await RequestBody.ReadBytesAsync(request, OperatorSecretLimits.MaxSecretBytes);
            if (value.Length == 0) return ProblemResults.BadRequest("body", "the secret's value is the request body, and it is empty");
            var added = await retry.Run(() => Store(cluster).Put(secretName, value));
            return added ? Results.Created($"/secrets/{secretName}", new SecretNameResponse(secretName)) : Results.Ok(new SecretNameResponse(secretName));
        })
        .Accepts<string>("text/plain", "application/octet-stream")
        .Produces<SecretNameResponse>(StatusCodes.Status201Created)
        .WithSummary("Store or replace an operator secret (the body is its value); stacks using it change on their next apply");

        secrets.MapDelete("/{secretName}", async (string secretName, IClusterClient cluster, GrainCallRetry retry) =>
            await retry.Run(() => Store(cluster).Remove(secretName))
                ? Results.NoContent()
                : ProblemResults.Problem(StatusCodes.Status404NotFound, $"no operator secret '{secretName}'", "secretName"))
            .Produces(StatusCodes.Status204NoContent)
            .WithSummary("Delete an operator secret (running containers keep the value they were given)");

        return app;
    }

    private static IOperatorSecretsGrain Store(IClusterClient cluster) => cluster.GetGrain<IOperatorSecretsGrain>(0);
}
