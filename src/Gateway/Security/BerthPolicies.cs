namespace Berth.Gateway.Security;

/// <summary>The authorization policies endpoints name. Any endpoint that names none needs an authenticated caller.</summary>
public static class BerthPolicies
{
    /// <summary>admin only: API keys, the audit trail.</summary>
    public const string Admin = "berth-admin";

    /// <summary>admin or operator: workloads, pools, hosts, the dashboard.</summary>
    public const string Operate = "berth-operate";

    /// <summary>admin, operator or viewer: reading workloads, pools and hosts.</summary>
    public const string Read = "berth-read";

    /// <summary>Reading a tenant: staff and viewers, or that tenant's own principal.</summary>
    public const string TenantRead = "berth-tenant-read";

    /// <summary>Acting for a tenant (claim, release, sync, secrets): staff, or that tenant's own principal.</summary>
    public const string TenantWrite = "berth-tenant-write";
}
