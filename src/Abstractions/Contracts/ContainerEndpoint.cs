namespace Berth.Contracts;

/// <summary>Where a container's declared port is published on its host.</summary>
[GenerateSerializer, Alias("Berth.Contracts.ContainerEndpoint"), Immutable]
public sealed record ContainerEndpoint(
    [property: Id(0)] int ContainerPort,
    [property: Id(1)] string Protocol,
    [property: Id(2)] string HostIp,
    [property: Id(3)] int HostPort)
{
    public string Address => $"{HostIp}:{HostPort}";
}
