namespace Berth.Contracts;

/// <summary>A host grain's word after each sweep: whether its engine answered, and what it runs.</summary>
[GenerateSerializer, Alias("Berth.Contracts.HostHeartbeat"), Immutable]
public sealed record HostHeartbeat(
    [property: Id(0)] string HostId,
    /// <summary>The engine listed its containers: only this keeps a host from going down.</summary>
    [property: Id(1)] bool Reachable,
    /// <summary>Berth containers of this cluster on the engine (the last count when not reachable).</summary>
    [property: Id(2)] int Containers,
    /// <summary>Why no new member should be created there now (unhealthy, egress unmanaged), or null.</summary>
    [property: Id(3)] string? Problem,
    /// <summary><c>managed</c>, <c>unmanaged</c> or <c>unknown</c> (see HostView.Egress).</summary>
    [property: Id(4)] string Egress,
    [property: Id(5)] int CreatesInFlight);
