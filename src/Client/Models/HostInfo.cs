using System.Text.Json;

namespace Berth.Client.Models;

/// <summary>A registered Docker host (<c>GET /hosts</c>); <see cref="Engine"/> is set for a single host when its engine answers.</summary>
public sealed record HostInfo
{
    public required string Id { get; init; }
    /// <summary>remote or agent.</summary>
    public required string Kind { get; init; }
    /// <summary>active, cordoned, draining, down or removed.</summary>
    public required string State { get; init; }
    public DateTimeOffset StateSince { get; init; }
    public string? Source { get; init; }
    public string? Endpoint { get; init; }
    public bool Tls { get; init; }
    public string? PublishAddress { get; init; }
    public Dictionary<string, string> Labels { get; init; } = [];
    public int? MaxContainers { get; init; }
    public long? MemoryBytes { get; init; }
    public int Containers { get; init; }
    public int CreatesInFlight { get; init; }
    public DateTimeOffset? LastHeartbeat { get; init; }
    public DateTimeOffset? DownSince { get; init; }
    public string? Problem { get; init; }
    public string? Egress { get; init; }
    public HostDrain? Drain { get; init; }
    public DateTimeOffset RegisteredAt { get; init; }
    public JsonElement? Engine { get; init; }
    public string? EngineError { get; init; }
}

public sealed record HostDrain(bool Evict, DateTimeOffset StartedAt, int Total, int Done, int Remaining, DateTimeOffset? CompletedAt, string State);
