using Orleans.Runtime.Placement;
using Berth.Specs;
using Berth.Configuration;
using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;
using Berth.Runtime;
using Berth.State;
using Berth.Network;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Berth.Hosts;

/// <summary>
/// Wraps one Docker engine. Reentrant so that creates, removes and sweeps overlap: Docker is the
/// slow part, and the only shared state here is counters that are updated between awaits.
/// </summary>
[Reentrant]
[AgentHostPlacement]
// The grain type is part of every stored state's key: fixed here, so renaming the class keeps its state.
[GrainType("agenthost")]
public sealed partial class AgentHostGrain : Grain, IAgentHostGrain
{
    private readonly IContainerRuntimeProvider _runtimes;
    private IContainerRuntime? _runtime;
    private readonly BerthOptions _options;
    private DockerHostOptions? _host;
    /// <summary>Set when this activation may not talk to the engine: an agent's host, away from its agent silo.</summary>
    private string? _detached;
    private readonly AgentSilos _agents;
    private readonly ILogger<AgentHostGrain> _logger;
    private readonly SemaphoreSlim _createSlots;
    /// <summary>Pools that asked for reports (they get one even when the host has none of their containers).</summary>
    private readonly HashSet<string> _subscribers = new(StringComparer.Ordinal);
    private int _createsInFlight;
    private int _consecutiveFailures;
    private DateTimeOffset _lastFailureAt;
    private string? _unreachable;
    private int _managedContainers;
    private DateTimeOffset? _lastSweep;
    private string? _lastError;

    private readonly SnapshotTransfer _snapshots;
    private readonly IHostFirewall _firewall;
    private readonly bool _egressRequired;
    /// <summary>The last enforcement's outcome; null until the first one.</summary>
    private EgressEnforcement? _egress;
    /// <summary>Bridges whose rules this activation has installed; a new one is enforced before its first container.</summary>
    private readonly HashSet<string> _enforcedBridges = new(StringComparer.Ordinal);
    /// <summary>Which containers form stack members: any one of them stands for its whole stack.</summary>
    private readonly HostStacks _stacks = new();
    /// <summary>Opens operator secrets for host stacks (see AgentHostGrain.HostStacks.cs).</summary>
    private readonly Secrets.SecretProtector _protector;

    public AgentHostGrain(IContainerRuntimeProvider runtimes, SnapshotTransfer snapshots, IHostFirewall firewall,
        IOptions<BerthOptions> options, IOptions<DatabaseOptions> database, ILogger<AgentHostGrain> logger,
        AgentSilos agents, [FromKeyedServices(BerthClock.Key)] TimeProvider clock, Secrets.SecretProtector protector)
    {
        _protector = protector;
        _runtimes = runtimes;
        _agents = agents;
        _clock = clock;
        _activeSince = clock.GetUtcNow();
        _snapshots = snapshots;
        _firewall = firewall;
        _options = options.Value;
        _egressRequired = _options.Security.RequireEgressPolicy ?? database.Value.Provider == DatabaseProvider.Postgres;
        _logger = logger;
        _createSlots = new SemaphoreSlim(Math.Max(1, _options.MaxCreatesInFlightPerHost));
    }

    private string HostId => this.GetPrimaryKeyString();

    private IContainerRuntime Runtime => _runtime ?? throw NotUsable();

    private DockerHostOptions Host => _host ?? throw NotUsable();

    private BerthException NotUsable() => _detached is { } why
        ? BerthException.Unavailable(why, _options.RetryAfterSeconds)
        : BerthException.NotFound($"Docker host '{HostId}' is not registered");

    /// <summary>When this activation began (see <see cref="HostReport.ActiveSince"/>), on the clock pools compare it with.</summary>
    private readonly DateTimeOffset _activeSince;
    private readonly TimeProvider _clock;

    /// <summary>
    /// Finds the engine: this silo's own configuration (an agent silo's host, configured hosts), else
    /// the registry's record of a remote engine. An agent's host placed here while its agent silo
    /// is away is detached: it answers 503 and steps aside once the agent is back.
    /// </summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _host = _options.EffectiveHosts.FirstOrDefault(h => h.Id == HostId);
        if (_host is null)
        {
            var entry = await GrainFactory.GetGrain<IHostRegistryGrain>(0).Get(HostId);
            if (entry is { Registration: { Kind: HostKind.Remote, Endpoint: { Length: > 0 } endpoint } registration })
            {
                _host = new DockerHostOptions
                {
                    Id = HostId,
                    Endpoint = endpoint,
                    PublishAddress = registration.PublishAddress,
                    TlsClientCertificate = registration.TlsClientCertificate,
                    TlsClientKey = registration.TlsClientKey,
                    TlsCaCertificate = registration.TlsCaCertificate,
                };
            }
            else if (entry is { Registration.Kind: HostKind.Agent })
            {
                _detached = $"Docker host '{HostId}' is reached through its agent, and its agent silo is not in the cluster";
            }
        }
        if (_host is null)
        {
            if (_detached is not null)
            {
                _logger.LogInformation("Host {Host}'s grain is placed here while its agent silo is not known to this silo; it steps aside once it is", HostId);
                this.RegisterGrainTimer(StepAsideForAgentAsync, new GrainTimerCreationOptions
                {
                    DueTime = _options.HostSweepInterval,
                    Period = _options.HostSweepInterval,
                    Interleave = true,
                });
            }
            return;
        }
        _runtime = _runtimes.Get(_host);
        this.RegisterGrainTimer(
            SweepAsync,
            new GrainTimerCreationOptions
            {
                DueTime = TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)Math.Max(1, _options.HostSweepInterval.TotalMilliseconds))),
                Period = _options.HostSweepInterval,
                Interleave = true,
                KeepAlive = true,
            });
    }

    /// <summary>
    /// The agent silo is back: this grain migrates there. Migrating, not deactivating: calls already
    /// addressed to this silo would otherwise activate the grain here again, without asking placement.
    /// </summary>
    private Task StepAsideForAgentAsync(CancellationToken cancellationToken)
    {
        if (_agents.SiloOf(HostId) is { } agent)
        {
            _logger.LogInformation("Host {Host}'s agent silo {Silo} is in the cluster; its grain moves there", HostId, agent);
            RequestContext.Set(IPlacementDirector.PlacementHintKey, agent);
            this.MigrateOnIdle();
        }
        return Task.CompletedTask;
    }

    public Task Wake() => Task.CompletedTask;

    public Task Subscribe(string workload)
    {
        _subscribers.Add(workload);
        return Task.CompletedTask;
    }

    public Task Unsubscribe(string workload)
    {
        _subscribers.Remove(workload);
        return Task.CompletedTask;
    }

    /// <summary>Null while the host may be used; otherwise why not (engine down, or creates keep failing).</summary>
    private string? Problem =>
        _unreachable is { } down
            ? $"Docker host '{HostId}' is unreachable: {down}"
            : _egressRequired && _egress is { Managed: false, Problem: var egress }
                ? $"Docker host '{HostId}' cannot enforce egress policy, so no tenant container is placed there: {egress} (Berth:Security:RequireEgressPolicy)"
            : _consecutiveFailures >= _options.HostUnhealthyAfterFailures && _clock.GetUtcNow() - _lastFailureAt < _options.HostUnhealthyCooldown
                ? $"Docker host '{HostId}' is unhealthy: {_consecutiveFailures} creates in a row failed, last: {_lastError}"
                : null;

    public async Task CreateMember(MemberCreateRequest request)
    {
        var pool = GrainFactory.GetGrain<IWorkloadPoolGrain>(request.Spec.Id);
        try
        {
            var container = await ProvisionAsync(request);
            await pool.OnMemberCreated(request.MemberId, container);
        }
        catch (Exception ex)
        {
            await pool.OnMemberCreateFailed(request.MemberId, ex.Message);
        }
    }

    public async Task<RunningContainer> CreateMemberNow(MemberCreateRequest request)
    {
        try
        {
            return await ProvisionAsync(request);
        }
        catch (BerthException)
        {
            throw;
        }
        catch (Exception ex)
        {
            throw BerthException.Unavailable($"Docker host '{HostId}' could not start a container for '{request.Spec.Id}': {ex.Message}", _options.RetryAfterSeconds);
        }
    }

    /// <summary>Below <see cref="IAgentHostGrain.CreateMemberNow"/>'s response timeout.</summary>
    private static readonly TimeSpan ColdCreateLimit = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Creates share a bounded number of slots per engine (<c>MaxCreatesInFlightPerHost</c>), cold
    /// claims included: a cold claim is one more create on a host the pool chose for its free room.
    /// </summary>
    private async Task<RunningContainer> ProvisionAsync(MemberCreateRequest request)
    {
        _membersCreating.Add(request.MemberId);
        try
        {
            return await ProvisionMemberAsync(request);
        }
        finally
        {
            _membersCreating.Remove(request.MemberId);
        }
    }

    private async Task<RunningContainer> ProvisionMemberAsync(MemberCreateRequest request)
    {
        var runtime = Runtime;
        var stack = request.Spec.IsStack ? ContainerSpecBuilder.BuildStack(request, Host, _options) : null;
        var spec = stack?[0].Container ?? ContainerSpecBuilder.Build(request, Host, _options);
        var background = request.TenantId is null;
        using var span = Telemetry.BerthSpans.Step("berth.member.create", HostId, request.Spec.Id);
        span?.SetTag("berth.member", request.MemberId);
        span?.SetTag(Telemetry.BerthSpans.Tenant, request.TenantId);
        // Outside the failure count below: a host that cannot enforce egress policy is not a broken engine.
        if (spec.Egress is { } egress)
        {
            using var networkTimeout = new CancellationTokenSource(ColdCreateLimit);
            await PrepareNetworkAsync(runtime, egress, stack is null ? null : (spec.NetworkMode, request.MemberId), networkTimeout.Token);
        }
        // Cold creates count in the engine's bound too: the pool already placed them by free room.
        await _createSlots.WaitAsync();
        _createsInFlight++;
        try
        {
            var provisioner = new MemberProvisioner(runtime, HostId, _logger);
            // A tenant waits on a cold create, and its call has a response timeout of its own.
            var deadline = Pools.MemberDeadlines.Create(request.Spec, _options);
            using var timeout = new CancellationTokenSource(background || deadline < ColdCreateLimit ? deadline : ColdCreateLimit);
            var container = stack is null
                ? await provisioner.ProvisionAsync(spec, timeout.Token)
                : await ProvisionStackAsync(provisioner, request, stack, timeout.Token);
            span?.SetTag(Telemetry.BerthSpans.Container, Telemetry.BerthSpans.ShortId(container.ContainerId));
            _consecutiveFailures = 0;
            _unreachable = null;
            _logger.LogDebug("Created member {Member} of {Workload} as container {ContainerId} on {Host}", request.MemberId, request.Spec.Id, container.ContainerId, HostId);
            return container;
        }
        catch (Exception ex) when (ex is MemberStartException or BerthException { Kind: BerthErrorKind.Unprocessable })
        {
            // A missing image or a container that will not start is the workload's fault, not the
            // engine's: the host stays healthy for every other workload.
            _lastError = ex.Message;
            Telemetry.BerthSpans.Failed(span, ex);
            _logger.LogWarning("Member {Member} of {Workload} did not start on {Host}: {Error}", request.MemberId, request.Spec.Id, HostId, ex.Message);
            Telemetry.BerthMetrics.CreateFailed(request.Spec.Id, HostId, engineFault: false);
            throw;
        }
        catch (Exception ex)
        {
            _consecutiveFailures++;
            _lastFailureAt = _clock.GetUtcNow();
            _lastError = ex.Message;
            if (IsUnreachable(ex)) _unreachable = ex.Message;
            Telemetry.BerthSpans.Failed(span, ex);
            _logger.LogWarning(ex, "Creating member {Member} of {Workload} on {Host} failed", request.MemberId, request.Spec.Id, HostId);
            Telemetry.BerthMetrics.CreateFailed(request.Spec.Id, HostId, engineFault: true);
            throw;
        }
        finally
        {
            _createsInFlight--;
            _createSlots.Release();
        }
    }

    public async Task DestroyMember(string workload, string memberId, string? containerId)
    {
        try
        {
            if (containerId is not null)
            {
                await Runtime.RemoveAsync(containerId, CancellationToken.None);
            }
            // A member may have a container the pool never heard of (a create that outlived its deadline),
            // and a stack member has one per service.
            await RemoveMemberContainersAsync(memberId, anyNetwork: true);
            _logger.LogDebug("Removed member {Member} of {Workload} (container {ContainerId}) on {Host}", memberId, workload, containerId ?? "none", HostId);
            await GrainFactory.GetGrain<IWorkloadPoolGrain>(workload).OnMemberDestroyed(memberId);
        }
        catch (Exception ex)
        {
            // The pool keeps the member as Destroying; the next sweep or tick asks again.
            _lastError = ex.Message;
            _logger.LogWarning(ex, "Removing member {Member} of {Workload} on {Host} failed", memberId, workload, HostId);
        }
    }

    public async Task DestroyContainer(string containerId)
    {
        try
        {
            await Runtime.RemoveAsync(containerId, CancellationToken.None);
            // Any container of a stack stands for the whole stack: it goes as a unit.
            if (await StackOfAsync(containerId) is { } stack) await RemoveMemberContainersAsync(stack[0].MemberId);
            _logger.LogDebug("Removed container {ContainerId} on {Host}", containerId, HostId);
        }
        catch (Exception ex)
        {
            _lastError = ex.Message;
            throw BerthException.Unavailable($"host '{HostId}' could not remove container {containerId}: {ex.Message}", _options.RetryAfterSeconds);
        }
    }

    public async Task<bool> HasImage(string image)
    {
        try
        {
            return await Runtime.ImageExistsAsync(image, CancellationToken.None);
        }
        catch (Exception ex)
        {
            throw BerthException.Unavailable($"host '{HostId}' did not answer: {ex.Message}", _options.RetryAfterSeconds);
        }
    }

    public async Task WriteFiles(string containerId, string path, byte[] tar)
    {
        try
        {
            using var stream = new MemoryStream(tar, writable: false);
            await Runtime.WriteArchiveAsync(containerId, path, stream, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not BerthException)
        {
            // The message names no file contents: these may be secrets.
            throw BerthException.Unavailable($"Docker host '{HostId}' could not write files into container {containerId} at {path}: {ex.GetType().Name}", _options.RetryAfterSeconds);
        }
    }

    public async Task StopContainer(string containerId)
    {
        try
        {
            foreach (var id in await ContainersOfAsync(containerId, reverse: true))
            {
                await Runtime.StopAsync(id, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is not BerthException)
        {
            throw BerthException.Unavailable($"Docker host '{HostId}' could not stop container {containerId}: {ex.Message}", _options.RetryAfterSeconds);
        }
    }

    public async Task PauseContainer(string containerId)
    {
        foreach (var id in await ContainersOfAsync(containerId, reverse: true)) await SetRunStateAsync(id, "pause", "paused", Runtime.PauseAsync);
    }

    public async Task UnpauseContainer(string containerId)
    {
        foreach (var id in await ContainersOfAsync(containerId, reverse: false)) await SetRunStateAsync(id, "unpause", "running", Runtime.UnpauseAsync);
    }

    /// <summary>Pause and unpause, idempotent: a container already in the wanted state is left as it is (Docker would answer 409).</summary>
    private async Task SetRunStateAsync(string containerId, string verb, string wanted, Func<string, CancellationToken, Task> change)
    {
        try
        {
            try
            {
                // Straight to the engine (a resume is on the claim path); only a refusal costs an inspect.
                await ChangeRunStateAsync(containerId, change);
            }
            catch (Exception ex) when (ex is not (ContainerNotFoundException or BerthException))
            {
                if (await Runtime.InspectAsync(containerId, CancellationToken.None) is not { } inspection) throw new ContainerNotFoundException(containerId);
                if (inspection.State != wanted) throw;
            }
        }
        catch (ContainerNotFoundException)
        {
            throw BerthException.NotFound($"container {containerId} does not exist on host '{HostId}'");
        }
        catch (Exception ex) when (ex is not BerthException)
        {
            throw BerthException.Unavailable($"Docker host '{HostId}' could not {verb} container {containerId}: {ex.Message}", _options.RetryAfterSeconds);
        }
    }

    /// <summary>
    /// The freezer can fail to stop every process at once on a loaded machine (runc: "unable to
    /// freeze"); the engine leaves the container running, so a few quick retries settle it.
    /// </summary>
    private static async Task ChangeRunStateAsync(string containerId, Func<string, CancellationToken, Task> change)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await change(containerId, CancellationToken.None);
                return;
            }
            catch (Docker.DotNet.DockerApiException ex) when (attempt < 5 && ex.ResponseBody.Contains("unable to freeze", StringComparison.OrdinalIgnoreCase))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt));
            }
        }
    }

    public async Task<RunningContainer> StartContainer(string containerId, Specs.HealthcheckSpec? healthcheck)
    {
        using var timeout = new CancellationTokenSource(Pools.MemberDeadlines.ReadyWithin(healthcheck) + TimeSpan.FromSeconds(30));
        try
        {
            if (await Runtime.InspectAsync(containerId, timeout.Token) is null)
            {
                throw BerthException.NotFound($"container {containerId} does not exist on host '{HostId}'");
            }
            var provisioner = new MemberProvisioner(Runtime, HostId, _logger);
            return await StackOfAsync(containerId) is { } stack
                ? await provisioner.StartExistingStackAsync(stack, timeout.Token)
                : await provisioner.StartExistingAsync(containerId, healthcheck, timeout.Token);
        }
        catch (MemberStartException ex)
        {
            throw new BerthException(BerthErrorKind.Unprocessable, $"container {containerId} did not come back: {ex.Message}", "state");
        }
        catch (Exception ex) when (ex is not BerthException)
        {
            throw BerthException.Unavailable($"Docker host '{HostId}' could not start container {containerId}: {ex.Message}", _options.RetryAfterSeconds);
        }
    }

    public async Task<SnapshotDigest> SaveSnapshot(string containerId, string path, SnapshotKey key, string sink, SinkLocation? location, long maxBytes, StoredSnapshot? addTo)
    {
        using var span = SnapshotSpan("berth.snapshot.save", containerId, path, key, sink);
        try
        {
            var digest = await _snapshots.SaveAsync(Runtime, containerId, path, key, sink, location, maxBytes, addTo, CancellationToken.None);
            span?.SetTag("berth.snapshot.bytes", digest.ContentBytes);
            _logger.LogInformation("Saved snapshot {Snapshot} of container {ContainerId} to {Sink}: {Bytes} bytes, sha256 {Sha256}",
                key, containerId, sink, digest.StoredBytes, digest.Sha256);
            return digest;
        }
        catch (Exception ex) when (Telemetry.BerthSpans.Failed(span, ex))
        {
            throw;
        }
        catch (ContainerNotFoundException)
        {
            throw BerthException.NotFound($"container {containerId} no longer exists on Docker host '{HostId}'; its state cannot be saved");
        }
        catch (Exception ex) when (ex is not BerthException)
        {
            throw BerthException.Unavailable($"saving the state of container {containerId} to '{sink}' failed: {ex.Message}", _options.RetryAfterSeconds);
        }
    }

    public async Task RestoreSnapshot(string containerId, string path, StoredSnapshot snapshot, long maxBytes, string? volumeRoot)
    {
        using var span = SnapshotSpan("berth.snapshot.restore", containerId, path, snapshot.Key, snapshot.Sink);
        span?.SetTag("berth.snapshot.bytes", snapshot.Digest.ContentBytes);
        try
        {
            await _snapshots.RestoreAsync(Runtime, containerId, path, volumeRoot, snapshot, maxBytes, CancellationToken.None);
            _logger.LogInformation("Restored snapshot {Snapshot} from {Sink} into {Path} of container {ContainerId}", snapshot.Key, snapshot.Sink, path, containerId);
        }
        catch (Exception ex) when (Telemetry.BerthSpans.Failed(span, ex))
        {
            throw;
        }
        catch (Exception ex) when (ex is not BerthException)
        {
            throw BerthException.Unavailable($"restoring snapshot {snapshot.Key} from '{snapshot.Sink}' into {path} of container {containerId} failed: {ex.Message}", _options.RetryAfterSeconds);
        }
    }

    /// <summary>One synced path's part moving between a container and its sink; the docker.archive.* spans are its children.</summary>
    private System.Diagnostics.Activity? SnapshotSpan(string name, string containerId, string path, SnapshotKey key, string sink)
    {
        var span = Telemetry.BerthSpans.Step(name, HostId, key.Workload, containerId);
        span?.SetTag(Telemetry.BerthSpans.Tenant, key.TenantId);
        span?.SetTag("berth.snapshot", key.SnapshotId);
        span?.SetTag("berth.sink", sink);
        span?.SetTag("file.path", path);
        return span;
    }

    public Task<HostView> GetView() => _host is null ? throw NotUsable() : Task.FromResult(new HostView(
        HostId,
        Problem is null,
        _managedContainers,
        _createsInFlight,
        _lastSweep,
        _lastError,
        EgressText,
        _egress?.Problem,
        _egress?.Notes.ToArray() ?? [],
        _lastSweepMs));

    private string EgressText => _egress switch { null => "unknown", { Managed: true } => "managed", _ => "unmanaged" };

    /// <summary>
    /// The policy's network exists and its rules are in place before a container joins it. Where the
    /// rules cannot be installed and policy is required, nothing is created.
    /// </summary>
    private async Task PrepareNetworkAsync(IContainerRuntime runtime, EgressPolicy policy, (string Name, string MemberId)? stackNetwork, CancellationToken cancellationToken)
    {
        var network = stackNetwork is not { } stack
            ? await runtime.EnsureTenantNetworkAsync(_options.Security.TenantNetwork, policy, cancellationToken)
            : await runtime.EnsureStackNetworkAsync(stack.Name, policy, System.Net.IPNetwork.Parse(_options.Security.StackSubnets), MemberLabels(stack.MemberId), cancellationToken);
        if (!_enforcedBridges.Contains(network.Bridge) || _egress is not { Managed: true })
        {
            await EnforceEgressAsync(runtime, cancellationToken);
        }
        if (_egressRequired && _egress is { Managed: false, Problem: var problem })
        {
            throw BerthException.Unavailable($"Docker host '{HostId}' cannot enforce egress policy, so no tenant container is placed there: {problem}", _options.RetryAfterSeconds);
        }
    }

    /// <summary>Installs or repairs the rules of every tenant network of this engine ("egress: managed"), or says why it cannot.</summary>
    private async Task EnforceEgressAsync(IContainerRuntime runtime, CancellationToken cancellationToken)
    {
        var networks = await runtime.ListTenantNetworksAsync(cancellationToken);
        if (networks.Count == 0)
        {
            // A host that has just come up: its default network, so it can say whether it is managed.
            networks = [await runtime.EnsureTenantNetworkAsync(_options.Security.TenantNetwork, EgressPolicy.Default, cancellationToken)];
        }
        // One engine per host grain: every network carries the same engine key.
        var result = await _firewall.EnforceAsync(networks[0].EngineKey, networks, cancellationToken);
        if (_egress is null || _egress.Managed != result.Managed || _egress.Problem != result.Problem)
        {
            if (result.Managed) _logger.LogInformation("Egress policy is enforced on host {Host}", HostId);
            else if (_egressRequired) _logger.LogError("Host {Host} cannot enforce egress policy; no tenant container is placed there: {Problem}", HostId, result.Problem);
            else _logger.LogWarning("Host {Host} cannot enforce egress policy, and Berth:Security:RequireEgressPolicy is off: its tenants reach the host and private ranges. {Problem}", HostId, result.Problem);
        }
        _egress = result;
        if (result.Managed)
        {
            foreach (var network in networks) _enforcedBridges.Add(network.Bridge);
        }
    }

    private Dictionary<string, string> MemberLabels(string memberId) => new()
    {
        [BerthLabels.Managed] = "true",
        [BerthLabels.Cluster] = _options.ClusterId,
        [BerthLabels.Host] = HostId,
        [BerthLabels.Member] = memberId,
    };

    /// <summary>Lists this host's Berth containers and tells each pool what Docker really runs.</summary>
    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            await SweepOnceAsync(cancellationToken);
        }
        finally
        {
            _lastSweepMs = Math.Round(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds, 2);
        }
    }

    /// <summary>How long the last sweep took, listing and every pool's report included: the reconciliation's cost per host.</summary>
    private double? _lastSweepMs;

    private async Task SweepOnceAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<ObservedContainer>? containers = null;
        var listedAt = _clock.GetUtcNow();
        try
        {
            containers = await Runtime.ListAsync(
                new Dictionary<string, string>
                {
                    [BerthLabels.Managed] = "true",
                    [BerthLabels.Cluster] = _options.ClusterId,
                    [BerthLabels.Host] = HostId,
                },
                cancellationToken);
            if (_unreachable is not null)
            {
                _logger.LogWarning("Docker host {Host} answers again", HostId);
                _unreachable = null;
            }
            _lastSweep = listedAt;
            _managedContainers = containers.Count;
            // Host stacks are the operator's: no pool owns them, so none may see them (and remove them as orphans).
            containers = [.. containers.Where(c => c.HostStack is null)];
            _stacks.Replace(containers, listedAt);
            await RemoveOrphanStackNetworksAsync(containers, cancellationToken);
            // The pools count members: a stack's containers are reported as one.
            containers = HostStacks.Fold(containers);
        }
        catch (Exception ex)
        {
            _lastError = ex.Message;
            if (_unreachable is null) _logger.LogWarning(ex, "Docker host {Host} does not answer", HostId);
            _unreachable = ex.Message;
        }
        if (containers is not null)
        {
            try
            {
                // Rules lost to a reboot, an engine restart or a hand edit come back within a sweep.
                await EnforceEgressAsync(Runtime, cancellationToken);
            }
            catch (Exception ex)
            {
                _egress = EgressEnforcement.Unmanaged($"the egress rules could not be checked: {ex.Message}");
                _logger.LogWarning(ex, "Checking the egress rules of host {Host} failed", HostId);
            }
        }
        if (containers is not null) await UpdateInventoryAsync(containers);
        var byWorkload = (containers ?? []).GroupBy(c => c.Workload).ToDictionary(g => g.Key, g => g.ToArray());
        var problem = Problem;
        try
        {
            _ = GrainFactory.GetGrain<IHostRegistryGrain>(0).Heartbeat(new HostHeartbeat(HostId, containers is not null, _managedContainers,
                _unreachable is null ? problem : null, EgressText, _createsInFlight));
        }
        catch (ArgumentException ex)
        {
            // An agent silo just started does not yet know where the registry lives; the next sweep heartbeats.
            _logger.LogDebug("Heartbeat of host {Host} not sent yet: {Error}", HostId, ex.Message);
        }
        // A snapshot: this grain is reentrant, and Subscribe may run while the reports go out.
        foreach (var workload in _subscribers.Union(byWorkload.Keys).Where(w => w.Length > 0).ToArray())
        {
            var report = new HostReport(HostId, listedAt, problem is null, problem,
                containers is null ? null : byWorkload.GetValueOrDefault(workload, []), _activeSince, Reachable: containers is not null);
            await GrainFactory.GetGrain<IWorkloadPoolGrain>(workload).ObserveHost(report);
        }
    }

    /// <summary>What the inventory was last told (container ids); null until this activation told it once.</summary>
    private HashSet<string>? _inventorySent;

    /// <summary>Keeps the stored inventory (see <see cref="IHostInventoryGrain"/>) equal to what Docker lists, writing only changes.</summary>
    private async Task UpdateInventoryAsync(IReadOnlyList<ObservedContainer> containers)
    {
        var ids = containers.Where(c => c.MemberId.Length > 0).Select(c => c.ContainerId).ToHashSet(StringComparer.Ordinal);
        if (_inventorySent is not null && _inventorySent.SetEquals(ids)) return;
        try
        {
            await GrainFactory.GetGrain<IHostInventoryGrain>(HostId).Update(
                [.. containers.Where(c => c.MemberId.Length > 0).Select(c => new HostInventoryEntry(c.Workload, c.MemberId, c.ContainerId))]);
            _inventorySent = ids;
        }
        catch (Exception ex)
        {
            // Retried at the next sweep: the set still differs from what was sent.
            _logger.LogDebug("Host {Host} could not update its inventory: {Error}", HostId, ex.Message);
        }
    }

    /// <summary>Errors that mean the engine itself is not there, rather than one bad container.</summary>
    private static bool IsUnreachable(Exception ex) => ex switch
    {
        HttpRequestException or System.Net.Sockets.SocketException or IOException or TimeoutException => true,
        _ when ex.InnerException is { } inner => IsUnreachable(inner),
        _ => false,
    };
}
