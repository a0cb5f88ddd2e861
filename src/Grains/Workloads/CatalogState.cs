using Berth.Contracts;

namespace Berth.Workloads;

[GenerateSerializer, Alias("Berth.Workloads.CatalogState")]
public sealed class CatalogState
{
    [Id(0)] public Dictionary<string, WorkloadRecord> Workloads { get; set; } = new(StringComparer.Ordinal);
}
