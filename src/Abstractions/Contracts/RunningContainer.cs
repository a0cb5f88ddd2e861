namespace Berth.Contracts;

/// <summary>
/// A container that was created, started and (where the spec asks) reported healthy. For a stack,
/// <see cref="ContainerId"/> is the primary service's container (the handle of the whole stack),
/// <see cref="Endpoints"/> are every service's (a stack's ports are distinct), and
/// <see cref="Services"/> lists each service's container.
/// </summary>
[GenerateSerializer, Alias("Berth.Contracts.RunningContainer"), Immutable]
public sealed record RunningContainer(
    [property: Id(0)] string ContainerId,
    [property: Id(1)] string HostId,
    [property: Id(2)] ContainerEndpoint[] Endpoints,
    [property: Id(3)] DateTimeOffset StartedAt,
    [property: Id(4)] ServiceContainer[]? Services = null)
{
    /// <summary>The container of <paramref name="service"/>; null or the primary's name: the primary. Null when the stack has no such service.</summary>
    public string? ContainerIdOf(string? service) =>
        service is null ? ContainerId : Services?.FirstOrDefault(s => s.Service == service)?.ContainerId;
}
