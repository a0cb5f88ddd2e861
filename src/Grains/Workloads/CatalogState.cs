using Berth.Contracts;

namespace Berth.Workloads;

[GenerateSerializer]
public sealed class CatalogState
{
    [Id(0)] public Dictionary<string, WorkloadRecord> Workloads { get; set; } = new(StringComparer.Ordinal);
}
