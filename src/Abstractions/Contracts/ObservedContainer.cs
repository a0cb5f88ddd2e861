namespace Berth.Contracts;

/// <summary>What Docker reports about one Berth-labelled container during a host sweep.</summary>
[GenerateSerializer, Alias("Berth.Contracts.ObservedContainer"), Immutable]
public sealed record ObservedContainer(
    [property: Id(0)] string ContainerId,
    [property: Id(1)] string MemberId,
    [property: Id(2)] string Workload,
    /// <summary>Docker's state: created, running, exited, dead, paused, ...</summary>
    [property: Id(3)] string State,
    /// <summary>healthy, unhealthy, starting, or null without a healthcheck.</summary>
    [property: Id(4)] string? Health)
{
    public bool IsServing => State == "running" && Health is null or "healthy";
}
