namespace Berth.Specs;

/// <summary>
/// One service of a stack workload (<c>services:</c>): a container of its own in every member, on
/// the member's own network, where the other services find it by <see cref="Name"/>.
/// </summary>
[GenerateSerializer, Alias("Berth.Specs.ServiceSpec"), Immutable]
public sealed record ServiceSpec
{
    /// <summary>A DNS label: the other services reach this one by it.</summary>
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public required string Image { get; init; }
    [Id(2)] public string[]? Command { get; init; }
    [Id(3)] public Dictionary<string, string> Environment { get; init; } = new();
    [Id(4)] public VolumesSpec Volumes { get; init; } = new();
    [Id(5)] public PortSpec[] Ports { get; init; } = [];
    [Id(6)] public HealthcheckSpec? Healthcheck { get; init; }
    [Id(7)] public ResourceLimits Limits { get; init; } = new();
    [Id(8)] public bool ReadOnly { get; init; }
    [Id(9)] public string? User { get; init; }
    [Id(10)] public ServiceDependency[] DependsOn { get; init; } = [];
}

/// <summary><c>depends_on</c>: start after <see cref="Service"/> runs, or (<see cref="Healthy"/>) once it reports healthy.</summary>
[GenerateSerializer, Alias("Berth.Specs.ServiceDependency"), Immutable]
public sealed record ServiceDependency(
    [property: Id(0)] string Service,
    [property: Id(1)] bool Healthy);
