namespace Berth.Contracts;

/// <summary>One host as the registry knows it: what it is, its state and what it last said.</summary>
[GenerateSerializer, Alias("Berth.Contracts.HostEntry"), Immutable]
public sealed record HostEntry
{
    [Id(0)] public required HostRegistration Registration { get; init; }
    [Id(1)] public required HostState State { get; init; }
    [Id(2)] public DateTimeOffset StateSince { get; init; }
    [Id(3)] public DateTimeOffset RegisteredAt { get; init; }
    /// <summary>The last sweep whose listing the engine answered.</summary>
    [Id(4)] public DateTimeOffset? LastHeartbeat { get; init; }
    /// <summary>Since when the host has been silent, while it is down.</summary>
    [Id(5)] public DateTimeOffset? DownSince { get; init; }
    [Id(6)] public int Containers { get; init; }
    [Id(7)] public int CreatesInFlight { get; init; }
    /// <summary>Why no new member is created there, besides its state (see HostHeartbeat.Problem).</summary>
    [Id(8)] public string? Problem { get; init; }
    [Id(9)] public string Egress { get; init; } = "unknown";
    /// <summary>The drain in progress or done, while the host is draining.</summary>
    [Id(10)] public HostDrain? Drain { get; init; }

    public string HostId => Registration.HostId;

    /// <summary>Whether its idle members may still serve warm claims.</summary>
    public bool Serves => State is HostState.Active or HostState.Cordoned;

    /// <summary>Room for more containers by its capacity; long.MaxValue minus its load when it has no limit.</summary>
    public long FreeCapacity => (Registration.MaxContainers ?? (long.MaxValue / 2)) - Containers;
}

/// <summary>A drain's progress: <see cref="Done"/> of <see cref="Total"/> containers gone from the host.</summary>
[GenerateSerializer, Alias("Berth.Contracts.HostDrain"), Immutable]
public sealed record HostDrain(
    [property: Id(0)] bool Evict,
    [property: Id(1)] DateTimeOffset StartedAt,
    [property: Id(2)] int Total,
    [property: Id(3)] int Remaining,
    [property: Id(4)] DateTimeOffset? CompletedAt,
    /// <summary>The operation that tracks it (GET /operations/{id}); null for a drain started before operations existed.</summary>
    [property: Id(5)] string? OperationId = null)
{
    public int Done => Math.Max(0, Total - Remaining);
}

/// <summary>Every registered host, with a version that changes whenever anything placement depends on does.</summary>
[GenerateSerializer, Alias("Berth.Contracts.HostDirectory"), Immutable]
public sealed record HostDirectory(
    [property: Id(0)] long Version,
    [property: Id(1)] HostEntry[] Hosts);
