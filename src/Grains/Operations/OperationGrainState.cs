using Berth.Contracts;

namespace Berth.Operations;

/// <summary>An operation's stored part: its plan, its record as shown, and (provision) each tenant's outcome.</summary>
[GenerateSerializer, Alias("Berth.Operations.OperationGrainState")]
public sealed class OperationGrainState
{
    [Id(0)] public OperationPlan? Plan { get; set; }
    [Id(1)] public OperationRecord? Record { get; set; }
    /// <summary>Provision: tenants whose claim succeeded.</summary>
    [Id(2)] public HashSet<string> Claimed { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Provision: tenants whose claim failed for good.</summary>
    [Id(3)] public HashSet<string> Failed { get; set; } = new(StringComparer.Ordinal);
}
