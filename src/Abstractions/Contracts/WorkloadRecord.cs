using Berth.Specs;

namespace Berth.Contracts;

/// <summary>A registered workload: its validated spec and version.</summary>
[GenerateSerializer, Alias("Berth.Contracts.WorkloadRecord"), Immutable]
public sealed record WorkloadRecord(
    [property: Id(0)] WorkloadSpec Spec,
    [property: Id(1)] string Version,
    [property: Id(2)] DateTimeOffset UpdatedAt);
