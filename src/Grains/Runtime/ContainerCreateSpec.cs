using Berth.Specs;

namespace Berth.Runtime;

/// <summary>Everything a runtime needs to create one container; built by <see cref="ContainerSpecBuilder"/>.</summary>
public sealed record ContainerCreateSpec
{
    public required string Name { get; init; }
    public required string Image { get; init; }
    public string[]? Command { get; init; }
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    public string? User { get; init; }
    public bool ReadOnlyRootFilesystem { get; init; }
    /// <summary><c>none</c>, <c>host</c>, or the tenant network's name (then <see cref="Egress"/> is set).</summary>
    public string NetworkMode { get; init; } = "bridge";
    /// <summary>
    /// The policy of the tenant network the container joins; null with network_mode none or host.
    /// The host grain makes the network and its firewall rules before it asks for the create.
    /// </summary>
    public EgressPolicy? Egress { get; init; }
    public long? MemoryBytes { get; init; }
    public double? Cpus { get; init; }
    public long? PidsLimit { get; init; }
    public IReadOnlyList<PortSpec> Ports { get; init; } = [];
    public string PublishAddress { get; init; } = "127.0.0.1";
    public HealthcheckSpec? Healthcheck { get; init; }
    /// <summary>Mount points that get a fresh anonymous volume, removed with the container.</summary>
    public IReadOnlyList<string> AnonymousVolumes { get; init; } = [];
    /// <summary>
    /// Volumes the container's user must be able to write (the state volume), whatever owner the
    /// image gave the directory: see <see cref="IContainerRuntime.GiveVolumesToUserAsync"/>.
    /// </summary>
    public IReadOnlyList<string> UserVolumes { get; init; } = [];
    /// <summary>Only ever set when the administrator's allow list permits it (see SpecSecurityPolicy).</summary>
    public bool Privileged { get; init; }
    public IReadOnlyList<string> CapAdd { get; init; } = [];
    public string? PidMode { get; init; }
    public string? IpcMode { get; init; }
    /// <summary>Names the container answers to on its network (a stack service's name); empty for others.</summary>
    public IReadOnlyList<string> NetworkAliases { get; init; } = [];
    /// <summary>Ports published where the spec says (a host stack's <c>"127.0.0.1:8081:80"</c>), besides <see cref="Ports"/>.</summary>
    public IReadOnlyList<HostStackPort> PublishedPorts { get; init; } = [];
    /// <summary>Docker's restart policy (no, always, unless-stopped, on-failure[:N]); null for none (pool members: the pool replaces them).</summary>
    public string? RestartPolicy { get; init; }
}
