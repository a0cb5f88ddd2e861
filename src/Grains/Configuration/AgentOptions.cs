namespace Berth.Configuration;

/// <summary>
/// Agent mode (section <c>Silo:Agent</c>, env <c>Silo__Agent__HostId</c>): this silo runs on a
/// Docker host and is the only one that talks to that host's engine, through its local socket,
/// so the engine is never exposed on the network. The host's grain is placed on this silo alone.
/// </summary>
public sealed class AgentOptions
{
    public const string Section = "Silo:Agent";

    public string HostId { get; set; } = "";

    public string Endpoint { get; set; } = "unix:///var/run/docker.sock";

    public string PublishAddress { get; set; } = "127.0.0.1";

    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);

    public int? MaxContainers { get; set; }

    public string? Memory { get; set; }

    public DockerHostOptions AsHost() => new()
    {
        Id = HostId,
        Endpoint = Endpoint,
        PublishAddress = PublishAddress,
        Labels = Labels,
        MaxContainers = MaxContainers,
        Memory = Memory,
    };
}
