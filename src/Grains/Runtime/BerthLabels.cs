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

    // A stack member: one container per service, all under the member's label.
    /// <summary>The service a stack container runs.</summary>
    public const string Service = "berth.service";
    /// <summary>Its place in the stack's start order (dependencies first).</summary>
    public const string ServiceOrder = "berth.service.order";
    /// <summary>"true" on the primary service's container: the stack's handle (the claim's container).</summary>
    public const string ServicePrimary = "berth.service.primary";
    /// <summary>How many services the stack has: a member missing one is broken.</summary>
    public const string ServiceCount = "berth.service.count";

    // An operator's host stack: no member, no workload, so no pool reconciles it.
    /// <summary>The host stack a container (or network) belongs to.</summary>
    public const string Stack = "berth.stack";
    /// <summary>The host stack service the container runs.</summary>
    public const string StackService = "berth.stack.service";
    /// <summary>A hash of the service's rendered definition, secrets included: a different one means recreate.</summary>
    public const string StackHash = "berth.stack.hash";
    /// <summary>The service's definition as written (secrets as <c>${secret:NAME}</c>): what a diff names fields from.</summary>
    public const string StackDefinition = "berth.stack.definition";
    /// <summary>Keyed fingerprints of the secrets the service used (<c>NAME=fingerprint,...</c>), never their values.</summary>
    public const string StackSecrets = "berth.stack.secrets";
}
