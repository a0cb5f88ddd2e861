namespace Berth.Contracts;

/// <summary>What a host is: how to reach it, its labels and its capacity (from configuration, an agent, or <c>POST /hosts</c>).</summary>
[GenerateSerializer, Alias("Berth.Contracts.HostRegistration"), Immutable]
public sealed record HostRegistration
{
    [Id(0)] public required string HostId { get; init; }
    [Id(1)] public HostKind Kind { get; init; } = HostKind.Remote;
    /// <summary>The engine's endpoint for a remote host (<c>unix:///…</c> or <c>tcp://host:2376</c>); an agent's is its own business.</summary>
    [Id(2)] public string? Endpoint { get; init; }
    /// <summary>The address the host publishes container ports on.</summary>
    [Id(3)] public string PublishAddress { get; init; } = "127.0.0.1";
    /// <summary>Matched by a workload's <c>placement.labels</c> (<c>zone</c>, <c>tier</c>, any).</summary>
    [Id(4)] public Dictionary<string, string> Labels { get; init; } = new(StringComparer.Ordinal);
    /// <summary>The most Berth containers placed on the host; null for no limit.</summary>
    [Id(5)] public int? MaxContainers { get; init; }
    /// <summary>Memory the host offers to containers (shown to operators); null when not said.</summary>
    [Id(6)] public long? MemoryBytes { get; init; }
    /// <summary>Mutual TLS to a remote engine: PEM files on the silos.</summary>
    [Id(7)] public string? TlsClientCertificate { get; init; }
    [Id(8)] public string? TlsClientKey { get; init; }
    [Id(9)] public string? TlsCaCertificate { get; init; }
    /// <summary><c>configuration</c>, <c>agent</c> or <c>api</c>: who registered it.</summary>
    [Id(10)] public string Source { get; init; } = "api";
}
