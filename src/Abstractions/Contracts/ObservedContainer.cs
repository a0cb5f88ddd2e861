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
    [property: Id(4)] string? Health,
    /// <summary>The service of a stack container (<c>berth.service</c>); null for a one-container member.</summary>
    [property: Id(5)] string? Service = null,
    /// <summary>A stack container's place in its start order.</summary>
    [property: Id(6)] int ServiceOrder = 0,
    /// <summary>Whether it is its stack's primary container (the member's handle).</summary>
    [property: Id(7)] bool Primary = false,
    /// <summary>How many services its stack has.</summary>
    [property: Id(8)] int ServiceCount = 0,
    /// <summary>The operator's host stack it belongs to (<c>berth.stack</c>): no pool's, never reconciled as one.</summary>
    [property: Id(9)] string? HostStack = null)
{
    public bool IsServing => State == "running" && Health is null or "healthy";
}
