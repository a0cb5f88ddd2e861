using Berth.Specs;

namespace Berth.Contracts;

/// <summary>A registered workload: its validated spec and version, and where it was last registered from.</summary>
/// <param name="Source">
/// <c>file:NAME</c> (the workloads directory), <c>env:VARIABLE</c> (declared in the environment),
/// <c>api</c>; null for a record stored before sources were kept. Only a <c>file:</c> workload is
/// retired when its file disappears (<c>Silo:WorkloadsPrune</c>).
/// </param>
/// <param name="Retiring">Being retired: no new claims or refills; deleted once no tenant holds a container.</param>
[GenerateSerializer, Alias("Berth.Contracts.WorkloadRecord"), Immutable]
public sealed record WorkloadRecord(
    [property: Id(0)] WorkloadSpec Spec,
    [property: Id(1)] string Version,
    [property: Id(2)] DateTimeOffset UpdatedAt,
    [property: Id(3)] string? Source = null,
    [property: Id(4)] bool Retiring = false)
{
    public const string ApiSource = "api";
    public const string FilePrefix = "file:";
    public const string EnvironmentPrefix = "env:";
}
