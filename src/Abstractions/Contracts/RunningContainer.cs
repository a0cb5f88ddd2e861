namespace Berth.Contracts;

/// <summary>A container that was created, started and (where the spec asks) reported healthy.</summary>
[GenerateSerializer, Alias("Berth.Contracts.RunningContainer"), Immutable]
public sealed record RunningContainer(
    [property: Id(0)] string ContainerId,
    [property: Id(1)] string HostId,
    [property: Id(2)] ContainerEndpoint[] Endpoints,
    [property: Id(3)] DateTimeOffset StartedAt);
