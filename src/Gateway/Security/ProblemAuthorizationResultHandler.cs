using Berth.Gateway.Problems;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Authentication;

namespace Berth.Gateway.Security;

/// <summary>Denials are RFC 9457 problems like every other error: 401 without valid credentials, 403 without the right.</summary>
public sealed class ProblemAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Challenged)
        {
            foreach (var scheme in policy.AuthenticationSchemes.DefaultIfEmpty(AuthSetup.Scheme))
            {
                await context.ChallengeAsync(scheme);
            }
            var why = context.Features.Get<Microsoft.AspNetCore.Authentication.IAuthenticateResultFeature>()?.AuthenticateResult?.Failure?.Message;
            await ProblemResults.Problem(StatusCodes.Status401Unauthorized,
                why is null ? "authentication required: send an API key (Authorization: Bearer bk_…, or X-Api-Key) or a JWT bearer token" : $"authentication failed: {why}")
                .ExecuteAsync(context);
            return;
        }
        if (result.Forbidden)
        {
            var role = BerthClaims.RoleOf(context.User) ?? "none";
            var tenant = BerthClaims.TenantOf(context.User);
            await ProblemResults.Problem(StatusCodes.Status403Forbidden,
                $"role '{role}'{(tenant is null ? "" : $" (tenant '{tenant}')")} may not {context.Request.Method} {context.Request.Path}")
                .ExecuteAsync(context);
            return;
        }
        await _default.HandleAsync(next, context, policy, result);
    }
}
