namespace Berth.Specs;

/// <summary>
/// A validated workload: what to run, how to keep a warm pool of it, and how to sync its state.
/// Built only by <see cref="WorkloadSpecParser"/>, so every instance has passed validation.
/// </summary>
[GenerateSerializer, Alias("Berth.Specs.WorkloadSpec"), Immutable]
public sealed record WorkloadSpec
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public string? Name { get; init; }
    [Id(2)] public required string Image { get; init; }
    /// <summary>Overrides the image command; null keeps the image's own.</summary>
    [Id(3)] public string[]? Command { get; init; }
    [Id(4)] public Dictionary<string, string> Environment { get; init; } = new();
    [Id(5)] public VolumesSpec Volumes { get; init; } = new();
    [Id(6)] public PortSpec[] Ports { get; init; } = [];
    [Id(7)] public HealthcheckSpec? Healthcheck { get; init; }
    [Id(8)] public ResourceLimits Limits { get; init; } = new();
    [Id(9)] public bool ReadOnly { get; init; }
    [Id(10)] public string? User { get; init; }
    [Id(11)] public string NetworkMode { get; init; } = "bridge";
    [Id(12)] public PoolSpec Pool { get; init; } = new();
    [Id(13)] public SyncSpec? Sync { get; init; }

    // Options that weaken isolation: parsed so that they are named when refused (see SpecSecurityPolicy),
    // and applied only when an administrator's allow list permits them.
    [Id(14)] public bool Privileged { get; init; }
    [Id(15)] public string[] CapAdd { get; init; } = [];
    /// <summary>"host" or null (the container's own namespace).</summary>
    [Id(16)] public string? PidMode { get; init; }
    [Id(17)] public string? IpcMode { get; init; }

    /// <summary><c>network.egress</c>: what the containers may reach beyond their own ports.</summary>
    [Id(18)] public EgressPolicy Egress { get; init; } = EgressPolicy.Default;

    /// <summary><c>placement.labels</c>: members go only to hosts carrying every one of these labels.</summary>
    [Id(19)] public PlacementSpec Placement { get; init; } = new();

    /// <summary>
    /// <c>services:</c>, in the order written; null for a one-container workload. The first is the
    /// stack's primary: the fields above mirror it, so that its container is the claim's container
    /// and every path that knows one container keeps working. Left out of the version hash when
    /// null, so one-container specs keep their hash.
    /// </summary>
    [Id(20)]
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public ServiceSpec[]? Services { get; init; }

    public bool IsStack => Services is { Length: > 0 };

    /// <summary>The services in the order they start: each after the ones it depends on (the parser refused cycles).</summary>
    public IReadOnlyList<ServiceSpec> StartOrder() => Services is { } services ? StackOrder.Sort(services) : [];
}

[GenerateSerializer, Alias("Berth.Specs.PlacementSpec"), Immutable]
public sealed record PlacementSpec
{
    [Id(0)] public Dictionary<string, string> Labels { get; init; } = new(StringComparer.Ordinal);

    public bool Equals(PlacementSpec? other) => other is not null && Labels.Count == other.Labels.Count
        && Labels.All(l => other.Labels.TryGetValue(l.Key, out var v) && v == l.Value);

    public override int GetHashCode() => Labels.Count;
}

[GenerateSerializer, Alias("Berth.Specs.PortSpec"), Immutable]
public sealed record PortSpec
{
    [Id(0)] public int ContainerPort { get; init; }
    [Id(1)] public string Protocol { get; init; } = "tcp";

    public override string ToString() => $"{ContainerPort}/{Protocol}";
}

/// <summary>Docker-style healthcheck; a member is handed out only once it reports healthy.</summary>
[GenerateSerializer, Alias("Berth.Specs.HealthcheckSpec"), Immutable]
public sealed record HealthcheckSpec
{
    /// <summary>Docker form: ["CMD", ...] or ["CMD-SHELL", "..."].</summary>
    [Id(0)] public required string[] Test { get; init; }
    [Id(1)] public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(2);
    [Id(2)] public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(2);
    [Id(3)] public int Retries { get; init; } = 3;
    [Id(4)] public TimeSpan StartPeriod { get; init; } = TimeSpan.Zero;
}

/// <summary><c>deploy.resources.limits</c>.</summary>
[GenerateSerializer, Alias("Berth.Specs.ResourceLimits"), Immutable]
public sealed record ResourceLimits
{
    [Id(0)] public double? Cpus { get; init; }
    [Id(1)] public long? MemoryBytes { get; init; }
}

[GenerateSerializer, Alias("Berth.Specs.VolumesSpec"), Immutable]
public sealed record VolumesSpec
{
    /// <summary>Where the tenant's state lives inside the container (a per-container volume).</summary>
    [Id(0)] public string? StateTarget { get; init; }
    [Id(1)] public string? SecretsTarget { get; init; }
    [Id(2)] public bool SecretsReadOnly { get; init; } = true;
}

[GenerateSerializer, Alias("Berth.Specs.PoolSpec"), Immutable]
public sealed record PoolSpec
{
    [Id(0)] public int MinSize { get; init; } = 1;
    [Id(1)] public int MaxSize { get; init; } = 10;
    [Id(2)] public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);
    /// <summary>A claim whose container was lost (died, vanished) is released, state saved where it can be, after this long.</summary>
    [Id(3)] public TimeSpan LostTimeout { get; init; } = TimeSpan.FromHours(1);
    /// <summary>A quota: new claims this workload hands out per minute; null for no limit.</summary>
    [Id(4)] public int? ClaimsPerMinute { get; init; }
    /// <summary>
    /// How long a claim that finds no idle member waits in line for one that is being made (or
    /// for room), in arrival order, before a 503 with Retry-After. Zero: never wait.
    /// </summary>
    [Id(5)] public TimeSpan ClaimWait { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// The most members the pool keeps idle or coming when the observed claim rate asks for more
    /// than <c>min_size</c>; null for the default, <see cref="EffectiveMaxWarm"/>.
    /// </summary>
    [Id(6)] public int? MaxWarm { get; init; }

    /// <summary>A claim with no activity (proxy, exec, API calls, touch) for this long is released or paused (<see cref="OnIdle"/>); null: never.</summary>
    [Id(7)] public TimeSpan? ClaimIdleTimeout { get; init; }
    /// <summary>What the idle timeout does: release (state saved, container destroyed) or pause.</summary>
    [Id(8)] public IdleAction OnIdle { get; init; } = IdleAction.Release;
    /// <summary>No file changed under the state directory for this long counts as idle too (needs <c>find</c> and <c>stat</c> in the image); null: not checked.</summary>
    [Id(9)] public TimeSpan? FileIdleTtl { get; init; }
    /// <summary>A released container is saved, then kept paused for the same tenant this long (affinity); null: destroyed at once.</summary>
    [Id(10)] public TimeSpan? KeepReleased { get; init; }
    /// <summary>A paused container is saved and destroyed after this long (and sooner under pressure); null: kept while there is room.</summary>
    [Id(11)] public TimeSpan? PauseTimeout { get; init; }
    /// <summary>The longest a claim may last (a claim's own ttl may be shorter); null: no limit.</summary>
    [Id(12)] public TimeSpan? MaxClaimDuration { get; init; }

    /// <summary><c>max_warm</c> as given, else four times <c>min_size</c> and at least 10, never above <c>max_size</c>.</summary>
    public int EffectiveMaxWarm => MaxWarm ?? Math.Min(MaxSize, Math.Max(10, 4 * MinSize));
}

/// <summary>What <c>pool.on_idle</c> does to a claim that passed <c>pool.claim_idle_timeout</c>.</summary>
public enum IdleAction
{
    Release,
    Pause,
}

[GenerateSerializer, Alias("Berth.Specs.SyncSpec"), Immutable]
public sealed record SyncSpec
{
    /// <summary>The sink's type: filesystem, postgres or s3.</summary>
    [Id(0)] public string Sink { get; init; } = "filesystem";
    [Id(1)] public SyncMapping[] Mappings { get; init; } = [];
    [Id(2)] public SyncPolicy Policy { get; init; } = new();
    /// <summary>The largest state a snapshot may hold; a larger state is refused with a clear error.</summary>
    [Id(3)] public long MaxBytes { get; init; } = DefaultMaxBytes;
    /// <summary>The workload's own s3 settings (Boilerhouse's <c>sink:</c> map); null uses the cluster's.</summary>
    [Id(4)] public SinkLocation? Location { get; init; }

    public const long DefaultMaxBytes = 1L << 30;
}

[GenerateSerializer, Alias("Berth.Specs.SyncMapping"), Immutable]
public sealed record SyncMapping
{
    /// <summary>The path of <see cref="WholeVolume"/>: the whole state volume.</summary>
    public const string WholeVolume = "/";

    /// <summary>Relative to the state volume: <c>/</c> (all of it), <c>credentials</c>, <c>config.json</c>.</summary>
    [Id(0)] public required string Path { get; init; }
    /// <summary>upload, download or bidirectional.</summary>
    [Id(1)] public string Direction { get; init; } = "bidirectional";
    /// <summary>sync or copy.</summary>
    [Id(2)] public string Mode { get; init; } = "sync";
    /// <summary>In a stack, the service whose state volume <see cref="Path"/> is in; null: the primary.</summary>
    [Id(3)] public string? Service { get; init; }

    /// <summary>Where this mapping is inside a container whose state volume is at <paramref name="stateTarget"/>.</summary>
    public string ContainerPath(string stateTarget) => Path == WholeVolume ? stateTarget : $"{stateTarget}/{Path}";
}

[GenerateSerializer, Alias("Berth.Specs.SyncPolicy"), Immutable]
public sealed record SyncPolicy
{
    [Id(0)] public bool OnClaim { get; init; } = true;
    [Id(1)] public bool OnRelease { get; init; } = true;
    [Id(2)] public bool Manual { get; init; }
    /// <summary>Sync every this often while claimed; null disables it.</summary>
    [Id(3)] public TimeSpan? Periodic { get; init; }
}
