namespace Berth.Configuration;

/// <summary>Silo-side settings, bound from the <c>Berth</c> configuration section (env: <c>Berth__Name</c>).</summary>
public sealed class BerthOptions
{
    public const string Section = "Berth";

    /// <summary>Stamped on every container as <c>berth.cluster</c>; a cluster only ever touches its own containers.</summary>
    public string ClusterId { get; set; } = "berth-local";

    /// <summary><c>Docker</c> (default), or <c>Memory</c>: containers that exist only in memory, to measure the control plane alone.</summary>
    public string ContainerRuntime { get; set; } = "Docker";

    /// <summary>The Docker engines to spread pools over; empty means the local engine only.</summary>
    public List<DockerHostOptions> Hosts { get; set; } = [];

    /// <summary>How often each host lists its containers and reports them to their pools.</summary>
    public TimeSpan HostSweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A host whose engine has not answered a sweep for this long is down: its members stop
    /// counting, its claimed tenants turn lost, and pools refill on live hosts.
    /// </summary>
    public TimeSpan HostDownAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a recovered snapshot (saved from a returned host's container of a tenant that had moved on) is kept.</summary>
    public TimeSpan RecoveredSnapshotRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Without <see cref="Hosts"/>: whether this silo registers the local engine as host <c>local</c> (off for silos without Docker).</summary>
    public bool LocalEngine { get; set; } = true;

    /// <summary>Set on an agent silo (from <c>Silo:Agent</c>): the one host whose engine this silo alone talks to.</summary>
    public AgentOptions? Agent { get; set; }

    /// <summary>How often each pool checks refill, idle timeouts and creation deadlines.</summary>
    public TimeSpan PoolTickInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A member still not running after this long is destroyed and its slot freed; longer for a
    /// workload whose healthcheck needs longer (see MemberDeadlines).
    /// </summary>
    public TimeSpan MemberCreateDeadline { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The longest a claim that finds no idle member waits for a container of its own. A workload
    /// whose healthcheck cannot pass that soon (Docker's first check runs one interval after the
    /// start) gets 503 with Retry-After instead, while its pool brings a member up.
    /// </summary>
    public TimeSpan ColdClaimMaxWait { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How often pools ask tenants to confirm the members they hold (see WorkloadPoolGrain.AuditClaims).</summary>
    public TimeSpan ClaimAuditInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A Berth container that no member owns is removed after it has been seen unowned this long.</summary>
    public TimeSpan OrphanGracePeriod { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Bounds a pool's background creation rate: creates in flight at once per pool.</summary>
    public int MaxCreatesInFlightPerPool { get; set; } = 4;

    /// <summary>Docker create+start calls in flight at once per engine (all pools together).</summary>
    public int MaxCreatesInFlightPerHost { get; set; } = 8;

    /// <summary>A host whose creates fail this many times in a row is unhealthy: pools skip it.</summary>
    public int HostUnhealthyAfterFailures { get; set; } = 3;

    /// <summary>An unhealthy host is tried again after this long; one successful create heals it.</summary>
    public TimeSpan HostUnhealthyCooldown { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long Berth retries a release whose save (or a step after it) keeps failing before it
    /// shows the release as failed with its reason; the container is kept either way.
    /// </summary>
    public TimeSpan ReleaseRetryDeadline { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The Retry-After a client gets when a pool is at max_size or a host is down.</summary>
    public int RetryAfterSeconds { get; set; } = 2;

    public SecurityOptions Security { get; set; } = new();

    public QuotaOptions Quotas { get; set; } = new();

    /// <summary>The stored lifecycle event log (<c>Berth:Events</c>).</summary>
    public EventOptions Events { get; set; } = new();

    /// <summary>Webhook delivery and the targets webhooks may have (<c>Berth:Webhooks</c>).</summary>
    public WebhookOptions Webhooks { get; set; } = new();

    /// <summary>Process limit per container when hardening defaults apply.</summary>
    public long DefaultPidsLimit { get; set; } = 256;

    /// <summary>AES-256 key (base64, 32 bytes) that encrypts tenant secrets at rest; the same on every silo.</summary>
    public string? SecretsKey { get; set; }

    /// <summary>Without <see cref="SecretsKey"/>: a key file created once, relative to the working directory.</summary>
    public string SecretsKeyFile { get; set; } = ".berth/secrets.key";

    /// <summary>Where tenant state snapshots go, and how many are kept.</summary>
    public SnapshotOptions Snapshots { get; set; } = new();

    /// <summary>
    /// The engines this silo reaches itself: an agent silo only its own; another silo the
    /// configured ones, else the local engine (unless <see cref="LocalEngine"/> is off).
    /// </summary>
    public IReadOnlyList<DockerHostOptions> EffectiveHosts =>
        Agent is { HostId.Length: > 0 } agent ? [agent.AsHost()]
        : Hosts.Count > 0 ? Hosts
        : LocalEngine ? [new DockerHostOptions()] : [];
}

public sealed class DockerHostOptions
{
    /// <summary>Matched by a workload's <c>placement.labels</c>.</summary>
    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The most Berth containers placed on this host; null for no limit.</summary>
    public int? MaxContainers { get; set; }

    /// <summary>Memory the host offers to containers, for operators (e.g. <c>8g</c>); not enforced by placement.</summary>
    public string? Memory { get; set; }

    public string Id { get; set; } = "local";

    /// <summary>Docker endpoint: <c>unix:///var/run/docker.sock</c> or <c>tcp://host:2376</c>.</summary>
    public string Endpoint { get; set; } = "unix:///var/run/docker.sock";

    /// <summary>The host address that container ports are published on.</summary>
    public string PublishAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Mutual TLS to a remote engine (<c>tcp://host:2376</c>, dockerd <c>--tlsverify</c>): the client
    /// certificate and key Berth presents (PEM files)...
    /// </summary>
    public string? TlsClientCertificate { get; set; }
    public string? TlsClientKey { get; set; }

    /// <summary>...and the CA the engine's certificate must chain to (PEM); empty trusts the system's CAs.</summary>
    public string? TlsCaCertificate { get; set; }
}

public sealed class SnapshotOptions
{
    /// <summary>Snapshots kept per tenant and workload; older ones are deleted once a newer one is verified.</summary>
    public int Keep { get; set; } = 3;

    /// <summary>Directory of the filesystem sink, relative to the working directory.</summary>
    public string FilesystemRoot { get; set; } = ".berth/snapshots";

    /// <summary>The postgres sink's database; empty uses the cluster's own (Database:Provider=Postgres).</summary>
    public string? PostgresConnectionString { get; set; }

    public S3SinkOptions S3 { get; set; } = new();

    /// <summary>Where a host stages a snapshot between Docker and the sink (never in memory).</summary>
    public string StagingDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "berth-staging");
}
