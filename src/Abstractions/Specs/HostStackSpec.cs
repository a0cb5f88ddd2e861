namespace Berth.Specs;

/// <summary>
/// An operator's compose file for one Docker host (<c>PUT /hosts/{id}/stacks/{name}</c>): services
/// that run beside the pools, never handed to tenants and never touched by pool reconciliation.
/// String values may hold <c>${secret:NAME}</c>, which the host grain fills in from the operator
/// secret store at apply time; the spec itself never holds a secret's value.
/// </summary>
[GenerateSerializer, Alias("Berth.Specs.HostStackSpec"), Immutable]
public sealed record HostStackSpec
{
    /// <summary>A DNS label: it names the stack's network and its containers.</summary>
    [Id(0)] public required string Name { get; init; }
    /// <summary>In the order the file writes them.</summary>
    [Id(1)] public required HostStackService[] Services { get; init; }
}

/// <summary>One service of a host stack: one container, reached by <see cref="Name"/> on the stack's network.</summary>
[GenerateSerializer, Alias("Berth.Specs.HostStackService"), Immutable]
public sealed record HostStackService
{
    [Id(0)] public required string Name { get; init; }
    [Id(1)] public required string Image { get; init; }
    [Id(2)] public string[]? Command { get; init; }
    [Id(3)] public Dictionary<string, string> Environment { get; init; } = new();
    [Id(4)] public HostStackPort[] Ports { get; init; } = [];
    [Id(5)] public string? User { get; init; }
    /// <summary>Docker's restart policy: no, always, unless-stopped, on-failure[:N].</summary>
    [Id(6)] public string Restart { get; init; } = "no";
    [Id(7)] public Dictionary<string, string> Labels { get; init; } = new();
    [Id(8)] public HealthcheckSpec? Healthcheck { get; init; }
    [Id(9)] public ServiceDependency[] DependsOn { get; init; } = [];
}

/// <summary>
/// A published port: <see cref="HostPort"/> null lets Docker choose one; <see cref="HostIp"/> null
/// publishes on the host's publish address (loopback by default), never on every interface unasked.
/// </summary>
[GenerateSerializer, Alias("Berth.Specs.HostStackPort"), Immutable]
public sealed record HostStackPort
{
    [Id(0)] public required int ContainerPort { get; init; }
    [Id(1)] public string Protocol { get; init; } = "tcp";
    [Id(2)] public int? HostPort { get; init; }
    [Id(3)] public string? HostIp { get; init; }

    /// <summary>Compose's short form, as written back in diffs and views.</summary>
    public override string ToString() =>
        (HostIp is null ? "" : HostIp + ":") + (HostPort is null ? (HostIp is null ? "" : ":") : $"{HostPort}:") + $"{ContainerPort}/{Protocol}";
}

/// <summary>A <c>${secret:NAME}</c> in a host stack, with the field it stands in.</summary>
public sealed record HostStackSecretReference(string Path, string Name);
