using System.Security.Claims;
using System.Text;
using Berth.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.Tokens;

namespace Berth.Gateway.Security;

/// <summary>Wires authentication (API keys, JWT bearer) and the role policies into the gateway.</summary>
public static class AuthSetup
{
    /// <summary>The default scheme: picks API key or JWT by what the request carries.</summary>
    public const string Scheme = "Berth";

    public static IServiceCollection AddBerthAuth(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(AuthOptions.Section);
        services.Configure<AuthOptions>(section);
        var options = section.Get<AuthOptions>() ?? new AuthOptions();
        services.AddMemoryCache();

        var authentication = services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "API key or JWT", o => o.ForwardDefaultSelector = context =>
                ApiKeyAuthenticationHandler.PresentedKey(context.Request) is null && options.Jwt.Enabled
                && context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? JwtBearerDefaults.AuthenticationScheme
                    : ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        if (options.Jwt.Enabled)
        {
            var jwt = options.Jwt;
            var keyBytes = Encoding.UTF8.GetBytes(jwt.SigningKey!);
            if (keyBytes.Length < 32)
            {
                throw new InvalidOperationException("Auth:Jwt:SigningKey must be at least 32 bytes");
            }
            authentication.AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidateIssuer = jwt.Issuer is not null,
                    ValidIssuer = jwt.Issuer,
                    ValidateAudience = jwt.Audience is not null,
                    ValidAudience = jwt.Audience,
                    IssuerSigningKey = new SymmetricSecurityKey(keyBytes),
                    ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
                    ValidateLifetime = true,
                    RequireExpirationTime = true,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                o.Events = new JwtBearerEvents { OnTokenValidated = context => MapJwtClaims(context, jwt) };
            });
        }

        services.AddSingleton<IAuthorizationHandler, TenantAccessHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(Scheme).RequireAuthenticatedUser().Build())
            .AddPolicy(BerthPolicies.Admin, p => p.RequireClaim(BerthClaims.Role, BerthRoles.Admin))
            .AddPolicy(BerthPolicies.Operate, p => p.RequireClaim(BerthClaims.Role, BerthRoles.Admin, BerthRoles.Operator))
            .AddPolicy(BerthPolicies.Read, p => p.RequireClaim(BerthClaims.Role, BerthRoles.Admin, BerthRoles.Operator, BerthRoles.Viewer))
            .AddPolicy(BerthPolicies.TenantRead, p => p.RequireAuthenticatedUser().AddRequirements(new TenantAccessRequirement(write: false)))
            .AddPolicy(BerthPolicies.TenantWrite, p => p.RequireAuthenticatedUser().AddRequirements(new TenantAccessRequirement(write: true)));
        services.AddHostedService<BootstrapAdminKey>();
        return services;
    }

    /// <summary>A token's role and tenant claims become Berth's; a token without a valid role is refused.</summary>
    private static Task MapJwtClaims(TokenValidatedContext context, JwtAuthOptions jwt)
    {
        var token = context.Principal!;
        var role = token.FindFirst(jwt.RoleClaim)?.Value;
        var tenant = token.FindFirst(jwt.TenantClaim)?.Value;
        if (role is null || !BerthRoles.IsKnown(role))
        {
            context.Fail($"the token's '{jwt.RoleClaim}' claim must be one of {string.Join(", ", BerthRoles.All)}");
            return Task.CompletedTask;
        }
        if (role == BerthRoles.Tenant && !Berth.Specs.ResourceIds.IsValidTenantId(tenant))
        {
            context.Fail($"a tenant token needs a valid '{jwt.TenantClaim}' claim");
            return Task.CompletedTask;
        }
        var subject = token.FindFirst("sub")?.Value ?? "unknown";
        context.Principal = BerthClaims.Principal(JwtBearerDefaults.AuthenticationScheme, $"jwt:{subject}", role, role == BerthRoles.Tenant ? tenant : null);
        return Task.CompletedTask;
    }
}
