namespace Berth.Contracts;

/// <summary>One service's container in a stack member, and where its ports are published.</summary>
[GenerateSerializer, Alias("Berth.Contracts.ServiceContainer"), Immutable]
public sealed record ServiceContainer(
    [property: Id(0)] string Service,
    [property: Id(1)] string ContainerId,
    [property: Id(2)] ContainerEndpoint[] Endpoints);
