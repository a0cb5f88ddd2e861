using Berth.Specs;

namespace Berth.Contracts;

/// <summary>
/// What an operation is to do, as its starter (the gateway) decided it; kept with the operation so
/// that its successor activation, and its cancel, know what to undo.
/// </summary>
[GenerateSerializer, Alias("Berth.Contracts.OperationPlan"), Immutable]
public sealed record OperationPlan
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required OperationKind Kind { get; init; }
    [Id(2)] public required string Target { get; init; }
    [Id(3)] public string StartedBy { get; init; } = "";
    /// <summary>Rollout: the spec version the pool moves to.</summary>
    [Id(4)] public string? Version { get; init; }
    /// <summary>Rollout: the spec registered before (registered again on cancel). Resize: the spec whose sizes come back on cancel.</summary>
    [Id(5)] public WorkloadSpec? PreviousSpec { get; init; }
    /// <summary>Resize: the new sizes.</summary>
    [Id(6)] public int? MinSize { get; init; }
    [Id(7)] public int? MaxSize { get; init; }
    /// <summary>Provision: the tenants to claim, in order.</summary>
    [Id(8)] public string[] Tenants { get; init; } = [];
}
