namespace Berth.Security;

/// <summary>
/// Who may do what. <c>admin</c>: everything. <c>operator</c>: workloads, pools, hosts and any
/// tenant. <c>viewer</c>: read-only. <c>tenant</c>: claim, release, sync, status and secrets of one
/// tenant id only.
/// </summary>
public static class BerthRoles
{
    public const string Admin = "admin";
    public const string Operator = "operator";
    public const string Viewer = "viewer";
    public const string Tenant = "tenant";

    public static readonly string[] All = [Admin, Operator, Viewer, Tenant];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}
