namespace Berth.Runtime;

/// <summary>The Docker labels that make Docker the source of truth for reconciliation.</summary>
public static class BerthLabels
{
    public const string Managed = "berth.managed";
    public const string Cluster = "berth.cluster";
    public const string Workload = "berth.workload";
    public const string Host = "berth.host";
    public const string Member = "berth.member";
    public const string Spec = "berth.spec";
    public const string Tenant = "berth.tenant";
}
