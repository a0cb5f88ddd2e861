namespace Berth.Tests.Support;

/// <summary>The fields of a <c>GET /hosts/{id}</c> answer the tests read (the gateway's HostResponse, as JSON).</summary>
public sealed record HostJson(string Id, string Kind, string State, DateTimeOffset? DownSince, int Containers,
    DateTimeOffset? LastHeartbeat, string? EngineError, string? Source);
