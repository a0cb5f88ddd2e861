using System.Security.Claims;
using Berth.Security;

namespace Berth.Gateway.Security;

/// <summary>The claims Berth puts on a principal, whatever authenticated it.</summary>
public static class BerthClaims
{
    public const string Role = "berth:role";
    public const string Tenant = "berth:tenant";
    public const string Name = "berth:name";

    public static ClaimsPrincipal Principal(string scheme, string name, string role, string? tenantId)
    {
        var claims = new List<Claim> { new(Name, name), new(Role, role) };
        if (tenantId is not null) claims.Add(new Claim(Tenant, tenantId));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, Name, Role));
    }

    public static string? RoleOf(ClaimsPrincipal user) => user.FindFirst(Role)?.Value;

    public static string? TenantOf(ClaimsPrincipal user) => user.FindFirst(Tenant)?.Value;

    /// <summary>Who is acting, for logs and the audit trail: "key:3f2a…", "jwt:alice", or "anonymous".</summary>
    public static string NameOf(ClaimsPrincipal? user) => user?.FindFirst(Name)?.Value ?? "anonymous";

    public static bool IsStaff(ClaimsPrincipal user) => RoleOf(user) is BerthRoles.Admin or BerthRoles.Operator;
}
