using Berth.Configuration;
using Berth.Contracts;
using Berth.Events;
using Berth.Grains;
using Berth.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Berth.Hosts;

/// <summary>
/// Holds every host (see <see cref="HostRegistryBooks"/>) and turns silent ones down. Its timer
/// also wakes every host grain, so that each sweeps (and so heartbeats) even before any pool asks.
/// </summary>
// The grain type is part of every stored state's key: fixed here, so renaming the class keeps its state.
[GrainType("hostregistry")]
public sealed class HostRegistryGrain(
    [PersistentState("hosts", StorageNames.Berth)] IPersistentState<HostRegistryState> state,
    IOptions<BerthOptions> options,
    ILogger<HostRegistryGrain> logger,
    IBerthEventPublisher events,
    [FromKeyedServices(BerthClock.Key)] TimeProvider clock) : Grain, IHostRegistryGrain
{
    private readonly BerthOptions _options = options.Value;
    private HostRegistryBooks _books = null!;
    private DateTimeOffset _lastWake = DateTimeOffset.MinValue;

    private DateTimeOffset Now => clock.GetUtcNow();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _books = new HostRegistryBooks(state.State, Now);
        // Checked several times per HostDownAfter, so a host is down within a fraction of it past the deadline.
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_options.HostDownAfter.TotalMilliseconds / 6, 200, 5000));
        this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions { DueTime = period, Period = period, KeepAlive = true });
        WakeHosts();
        return Task.CompletedTask;
    }

    public async Task<HostEntry> Register(HostRegistration registration)
    {
        var (entry, changed) = _books.Register(registration, Now);
        if (changed)
        {
            await PersistAsync();
            logger.LogInformation("Host {Host} registered ({Kind}, from {Source}), {State}", entry.HostId, registration.Kind, registration.Source, entry.State);
        }
        _ = GrainFactory.GetGrain<IAgentHostGrain>(entry.HostId).Wake();
        return entry;
    }

    public async Task Heartbeat(HostHeartbeat heartbeat)
    {
        var downSince = _books.Entry(heartbeat.HostId) is { State: HostState.Down } entry ? entry.DownSince : null;
        if (_books.Heartbeat(heartbeat, Now))
        {
            if (downSince is not null && heartbeat.Reachable) logger.LogWarning("Host {Host} answers again (down since {Since:u})", heartbeat.HostId, downSince);
            await PersistAsync();
        }
    }

    public Task<HostEntry[]> List() => Task.FromResult(_books.Entries());

    public Task<HostEntry?> Get(string hostId) => Task.FromResult(_books.Entry(hostId));

    public Task<HostDirectory?> GetDirectory(long knownVersion) =>
        Task.FromResult(knownVersion == _books.Version ? null : new HostDirectory(_books.Version, _books.Entries()));

    public Task<HostEntry> Cordon(string hostId) => ActAsync(hostId, HostAction.Cordon);

    public Task<HostEntry> Uncordon(string hostId) => ActAsync(hostId, HostAction.Uncordon);

    public Task<HostEntry> Drain(string hostId, bool evict, string? operationId = null) => ActAsync(hostId, HostAction.Drain, evict: evict, operationId: operationId);

    public Task<HostEntry> Remove(string hostId, bool force) => ActAsync(hostId, HostAction.Remove, force: force);

    private async Task<HostEntry> ActAsync(string hostId, HostAction action, bool evict = false, bool force = false, string? operationId = null)
    {
        var entry = _books.Act(hostId, action, Now, evict, force, operationId);
        await PersistAsync();
        logger.LogInformation("Host {Host}: {Action}{Evict} by an operator, now {State}", hostId, action, evict ? " with eviction" : "", entry.State);
        return entry;
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var down = _books.MarkSilentDown(_options.HostDownAfter, Now);
        foreach (var host in down)
        {
            logger.LogError("Host {Host} is down: not heard since {Since:u} (Berth:HostDownAfter {After}); its members stop counting and its tenants turn lost",
                host.HostId, host.DownSince, _options.HostDownAfter);
            events.Publish(BerthEvents.Draft(BerthEventType.HostDown, null, null, hostId: host.HostId,
                reason: $"not heard since {host.DownSince:u} (Berth:HostDownAfter {_options.HostDownAfter})"));
        }
        if (down.Count > 0) await PersistAsync();
        if (Now - _lastWake >= _options.HostSweepInterval) WakeHosts();
        Telemetry.BerthGauges.ReportHosts(_books.Entries());
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The next activation (maybe on another silo) reports the hosts from there.
        Telemetry.BerthGauges.ForgetHosts();
        return Task.CompletedTask;
    }

    /// <summary>
    /// One-way: a host grain whose silo died comes back on the next call (an agent's only once its
    /// agent silo is back), and sweeps from then on.
    /// </summary>
    private void WakeHosts()
    {
        _lastWake = Now;
        foreach (var entry in _books.Entries().Where(e => e.State != HostState.Removed))
        {
            _ = GrainFactory.GetGrain<IAgentHostGrain>(entry.HostId).Wake();
        }
    }

    /// <summary>See <see cref="PersistentStateWrites.WriteOrDeactivateAsync{T}"/>.</summary>
    private Task PersistAsync() => state.WriteOrDeactivateAsync(this);
}
