namespace Berth.Contracts;

/// <summary>A host stack as Docker runs it: its containers, found by their <c>berth.stack</c> label.</summary>
[GenerateSerializer, Alias("Berth.Contracts.HostStackView"), Immutable]
public sealed record HostStackView(
    [property: Id(0)] string Name,
    [property: Id(1)] string HostId,
    /// <summary>The stack's own network, where its services reach each other by name.</summary>
    [property: Id(2)] string Network,
    /// <summary>In start order (dependencies first).</summary>
    [property: Id(3)] HostStackServiceView[] Services);

[GenerateSerializer, Alias("Berth.Contracts.HostStackServiceView"), Immutable]
public sealed record HostStackServiceView(
    [property: Id(0)] string Service,
    [property: Id(1)] string ContainerId,
    [property: Id(2)] string Image,
    /// <summary>Docker's state: running, exited, restarting, ...</summary>
    [property: Id(3)] string State,
    [property: Id(4)] string? Health,
    [property: Id(5)] ContainerEndpoint[] Ports);

/// <summary>
/// What an apply does (or did) to one service: <c>create</c>, <c>update</c> (recreate), <c>remove</c>
/// or <c>unchanged</c>, with the fields that differ. Secrets appear by name (<c>secret:NAME</c>), never by value.
/// </summary>
[GenerateSerializer, Alias("Berth.Contracts.HostStackChange"), Immutable]
public sealed record HostStackChange(
    [property: Id(0)] string Service,
    [property: Id(1)] string Action,
    [property: Id(2)] string[] Fields);

/// <summary>An apply's plan, whether it was carried out, and the stack afterwards (null for a dry run).</summary>
[GenerateSerializer, Alias("Berth.Contracts.HostStackApplyResult"), Immutable]
public sealed record HostStackApplyResult(
    [property: Id(0)] string Name,
    [property: Id(1)] bool Applied,
    [property: Id(2)] HostStackChange[] Plan,
    [property: Id(3)] HostStackView? Stack);
