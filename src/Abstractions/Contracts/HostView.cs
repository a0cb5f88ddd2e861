namespace Berth.Contracts;

[GenerateSerializer, Alias("Berth.Contracts.HostView"), Immutable]
public sealed record HostView(
    [property: Id(0)] string HostId,
    [property: Id(1)] bool Healthy,
    [property: Id(2)] int ManagedContainers,
    [property: Id(3)] int CreatesInFlight,
    [property: Id(4)] DateTimeOffset? LastSweep,
    [property: Id(5)] string? LastError);
