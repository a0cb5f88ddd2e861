using Berth.Contracts;

namespace Berth.Hosts;

/// <summary>The registry's stored part: what each host is and the state operators gave it. Heartbeats stay in memory.</summary>
[GenerateSerializer, Alias("Berth.Hosts.HostRegistryState")]
public sealed class HostRegistryState
{
    [Id(0)] public Dictionary<string, RegisteredHost> Hosts { get; set; } = new(StringComparer.Ordinal);
}

[GenerateSerializer, Alias("Berth.Hosts.RegisteredHost")]
public sealed class RegisteredHost
{
    [Id(0)] public required HostRegistration Registration { get; set; }
    /// <summary>Active, Cordoned, Draining or Removed: what operators asked for (Down is separate, see DownSince).</summary>
    [Id(1)] public HostState Wanted { get; set; } = HostState.Active;
    [Id(2)] public DateTimeOffset StateSince { get; set; }
    [Id(3)] public DateTimeOffset RegisteredAt { get; set; }
    /// <summary>Set while the host is down: when it was last heard.</summary>
    [Id(4)] public DateTimeOffset? DownSince { get; set; }
    [Id(5)] public HostDrain? Drain { get; set; }
}
