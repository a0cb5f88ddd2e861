using Berth.Security;
using Microsoft.AspNetCore.Authorization;

namespace Berth.Gateway.Security;

/// <summary>Access to <c>/tenants/{tenantId}/…</c>: a tenant principal only ever reaches its own id.</summary>
public sealed class TenantAccessRequirement(bool write) : IAuthorizationRequirement
{
    public bool Write { get; } = write;
}

public sealed class TenantAccessHandler : AuthorizationHandler<TenantAccessRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, TenantAccessRequirement requirement)
    {
        var user = context.User;
        var allowed = BerthClaims.RoleOf(user) switch
        {
            BerthRoles.Admin or BerthRoles.Operator => true,
            BerthRoles.Viewer => !requirement.Write,
            BerthRoles.Tenant => context.Resource is HttpContext http
                && http.GetRouteValue("tenantId") is string tenantId
                && string.Equals(tenantId, BerthClaims.TenantOf(user), StringComparison.Ordinal),
            _ => false,
        };
        if (allowed) context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
