using Berth.Configuration;
using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;
using Berth.Runtime;
using Berth.Specs;
using Berth.State;
using Berth.Tenants;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Workloads;

/// <summary>
/// The registry of workloads. On activation, and every minute through a reminder, it configures
/// every pool: that wakes pools (and through them their hosts) after a restart or a silo loss,
/// even when no claim arrives.
/// </summary>
// The grain type is part of every stored state's key: fixed here, so renaming the class keeps its state.
[GrainType("workloadcatalog")]
public sealed class WorkloadCatalogGrain(
    [PersistentState("catalog", StorageNames.Berth)] IPersistentState<CatalogState> state,
    SnapshotSinks sinks,
    Secrets.SecretProtector protector,
    Microsoft.Extensions.Options.IOptions<BerthOptions> options,
    ILogger<WorkloadCatalogGrain> logger,
    [FromKeyedServices(BerthClock.Key)] TimeProvider clock) : Grain, IWorkloadCatalogGrain, IRemindable
{
    private const string WakePoolsReminder = "wake-pools";

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await this.RegisterOrUpdateReminder(WakePoolsReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await WakePoolsAsync();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        await WakePoolsAsync();
        foreach (var workload in state.State.PendingPurges.Keys.ToList())
        {
            await PurgePendingAsync(workload);
        }
        foreach (var workload in state.State.Workloads.Values.Where(r => r.Retiring).Select(r => r.Spec.Id).ToList())
        {
            try
            {
                await Retire(workload);
            }
            catch (Exception ex)
            {
                logger.LogWarning("Retiring workload {Workload} did not finish yet: {Error}", workload, ex.Message);
            }
        }
    }

    /// <summary>All pools at once: one pool whose silo just died must not hold up the others.</summary>
    private Task WakePoolsAsync() => Task.WhenAll(state.State.Workloads.Values.Where(r => !r.Retiring).Select(async record =>
    {
        try
        {
            await GrainFactory.GetGrain<IWorkloadPoolGrain>(record.Spec.Id).Configure(record.Spec, record.Version);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not wake the pool of {Workload}; the next reminder tries again", record.Spec.Id);
        }
    }));

    public async Task<(WorkloadRecord Record, bool Created)> Upsert(WorkloadSpec spec, bool force = false, string? source = null)
    {
        // Checked here, in the silo, whoever parsed the spec: the allow list is the silo's configuration.
        var violations = SpecSecurityPolicy.Violations(spec, options.Value.Security.AllowedOptions);
        if (violations is [var first, ..])
        {
            throw BerthException.Invalid(first.Path, string.Join("; ", violations));
        }
        // A sink that cannot store anything is refused now, not found out at the first release.
        if (spec.Sync is { } sync && sinks.ProblemOf(sync) is { } sinkProblem)
        {
            throw new BerthException(BerthErrorKind.Unprocessable, sinkProblem, "sync.sink");
        }
        foreach (var image in spec.Services?.Select(s => s.Image).Distinct() ?? [spec.Image])
        {
            await EnsureImageAsync(image);
        }
        if (state.State.PendingPurges.TryGetValue(spec.Id, out var purging))
        {
            // Its old snapshots would otherwise be restored into, or purged from under, the new workload.
            throw new BerthException(BerthErrorKind.Conflict, $"workload '{spec.Id}' was deleted with purge and {purging.Count} tenants' snapshots are still being deleted (retried every minute); register it again once that is done", "id");
        }
        var version = WorkloadSpecVersion.Compute(spec);
        var created = !state.State.Workloads.TryGetValue(spec.Id, out var previous);
        if (previous is { Retiring: true })
        {
            // Registered again (its file is back): the pool is configured anew, which lifts its retirement.
            logger.LogInformation("Workload {Workload} is registered again; its retirement stops", spec.Id);
            previous = null;
        }
        if (!force && state.State.SnapshottedPaths.TryGetValue(spec.Id, out var snapshotted))
        {
            var synced = StateSync.SyncedPaths(spec).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
            var dropped = snapshotted.Where(p => !synced.Contains(p)).Order(StringComparer.Ordinal).ToList();
            if (dropped.Count > 0)
            {
                throw new BerthException(BerthErrorKind.Conflict,
                    $"tenants hold snapshots of {string.Join(", ", dropped)}, which this spec no longer syncs; their snapshots would stop being restored. Update with ?force=true to accept that (the snapshots are kept)",
                    spec.Sync is { Mappings.Length: > 0 } ? "sync.mappings" : "volumes.state.target");
            }
        }
        source ??= previous?.Source ?? WorkloadRecord.ApiSource;
        if (previous is not null && previous.Version == version && previous.Spec.Pool == spec.Pool && previous.Spec.Name == spec.Name
            && SinkCredentials.SameKeys(previous.Spec.Sync?.Location, spec.Sync?.Location, protector))
        {
            if (previous.Source == source) return (previous, false);
            // The same spec from elsewhere (a file's workload now managed over the API): only its source changes.
            state.State.Workloads[spec.Id] = previous with { Source = source };
            await PersistAsync();
            return (state.State.Workloads[spec.Id], false);
        }
        // The sink's keys are sealed before the spec is stored or handed to any other grain.
        spec = SinkCredentials.Seal(spec, protector);
        var record = new WorkloadRecord(spec, version, clock.GetUtcNow(), source);
        state.State.Workloads[spec.Id] = record;
        await PersistAsync();
        await GrainFactory.GetGrain<IWorkloadPoolGrain>(spec.Id).Configure(spec, version);
        logger.LogInformation("Workload {Workload} {Action} at version {Version}", spec.Id, created ? "registered" : "updated", version);
        return (record, created);
    }

    /// <summary>No pulls happen: a workload whose image no host has would only ever fail to start.</summary>
    private async Task EnsureImageAsync(string image)
    {
        // The registry's live hosts, and this silo's own (registered in the background at start, maybe not yet).
        var registered = await GrainFactory.GetGrain<IHostRegistryGrain>(0).List();
        var hostIds = registered.Where(h => h.State is not (HostState.Down or HostState.Removed)).Select(h => h.HostId)
            .Union(options.Value.EffectiveHosts.Select(h => h.Id)).ToList();
        BerthException? unanswered = null;
        foreach (var hostId in hostIds)
        {
            try
            {
                if (await GrainFactory.GetGrain<IAgentHostGrain>(hostId).HasImage(image)) return;
            }
            catch (BerthException ex) when (ex.Kind == BerthErrorKind.Unavailable)
            {
                unanswered = ex; // One host that does not answer must not hide another that has the image.
            }
        }
        if (unanswered is not null) throw unanswered;
        throw new BerthException(BerthErrorKind.Unprocessable,
            $"image '{image}' is not present on any Docker host ({string.Join(", ", hostIds)}); load it there first",
            "image");
    }

    public async Task ReportSnapshottedPaths(string workload, string[] paths, string? tenantId = null)
    {
        var known = state.State.SnapshottedPaths.TryGetValue(workload, out var set) ? set : state.State.SnapshottedPaths[workload] = new(StringComparer.Ordinal);
        var changed = paths.Count(known.Add) > 0;
        if (tenantId is not null)
        {
            var tenants = state.State.SnapshotTenants.TryGetValue(workload, out var t) ? t : state.State.SnapshotTenants[workload] = new(StringComparer.Ordinal);
            changed |= tenants.Add(tenantId);
        }
        if (changed)
        {
            await PersistAsync();
        }
    }

    public async Task<bool> Retire(string id)
    {
        if (!state.State.Workloads.TryGetValue(id, out var record))
        {
            return true;
        }
        if (!record.Retiring)
        {
            state.State.Workloads[id] = record with { Retiring = true };
            await PersistAsync();
            logger.LogInformation("Workload {Workload} is being retired: no new claims; deleted once its tenants release", id);
        }
        if (!await GrainFactory.GetGrain<IWorkloadPoolGrain>(id).Retire())
        {
            return false;
        }
        state.State.Workloads.Remove(id);
        await PersistAsync();
        logger.LogInformation("Workload {Workload} retired and deleted", id);
        return true;
    }

    public async Task<int> AllocatePort(string workload)
    {
        if (state.State.AllocatedPorts.TryGetValue(workload, out var port)) return port;
        var taken = state.State.AllocatedPorts.Values.ToHashSet();
        port = IWorkloadCatalogGrain.FirstAllocatedPort;
        while (taken.Contains(port)) port++;
        state.State.AllocatedPorts[workload] = port;
        await PersistAsync();
        logger.LogInformation("Workload {Workload} is given container port {Port}", workload, port);
        return port;
    }

    public Task<WorkloadRecord?> Get(string id) =>
        Task.FromResult(state.State.Workloads.GetValueOrDefault(id));

    public Task<WorkloadRecord[]> List() =>
        Task.FromResult(state.State.Workloads.Values.OrderBy(w => w.Spec.Id, StringComparer.Ordinal).ToArray());

    public async Task<WorkloadDeletion> Delete(string id, bool purge = false)
    {
        if (!state.State.Workloads.ContainsKey(id))
        {
            throw BerthException.NotFound($"workload '{id}' does not exist");
        }
        if (!await GrainFactory.GetGrain<IWorkloadPoolGrain>(id).TryRetire())
        {
            throw BerthException.Conflict($"workload '{id}' has claimed containers; release them before deleting it (or delete with force=true, which releases them)");
        }
        state.State.Workloads.Remove(id);
        var purged = 0;
        if (purge)
        {
            // Recorded before any tenant is asked: a crash half-way leaves the rest to the reminder.
            state.State.SnapshottedPaths.Remove(id);
            // The tenants that told the catalog, and those a sink finds (snapshots older than the catalog's list).
            var tenants = state.State.SnapshotTenants.Remove(id, out var reported) ? reported : new HashSet<string>(StringComparer.Ordinal);
            tenants.UnionWith(await sinks.TenantsOfAsync(id, CancellationToken.None));
            if (tenants.Count > 0)
            {
                state.State.PendingPurges[id] = tenants;
            }
            await PersistAsync();
            purged = await PurgePendingAsync(id);
        }
        else
        {
            await PersistAsync();
        }
        var pending = state.State.PendingPurges.GetValueOrDefault(id)?.Order(StringComparer.Ordinal).ToArray() ?? [];
        logger.LogInformation("Workload {Workload} deleted{Purge}", id, purge ? $", {purged} snapshots purged, {pending.Length} tenants left to purge" : "");
        return new WorkloadDeletion(id, purge, purged, pending);
    }

    /// <summary>Asks each tenant still listed for <paramref name="workload"/>'s purge to delete its snapshots; answers how many went.</summary>
    private async Task<int> PurgePendingAsync(string workload)
    {
        if (!state.State.PendingPurges.TryGetValue(workload, out var tenants)) return 0;
        var purged = 0;
        foreach (var tenant in tenants.ToList())
        {
            try
            {
                purged += await GrainFactory.GetGrain<ITenantGrain>(tenant).PurgeSnapshots(workload);
                tenants.Remove(tenant);
            }
            catch (Exception ex)
            {
                logger.LogWarning("Snapshots of {Workload} held by tenant {Tenant} are not purged yet (retried in a minute): {Error}", workload, tenant, ex.Message);
            }
        }
        if (tenants.Count == 0) state.State.PendingPurges.Remove(workload);
        await PersistAsync();
        return purged;
    }

    /// <summary>See <see cref="PersistentStateWrites.WriteOrDeactivateAsync{T}"/>.</summary>
    private Task PersistAsync() => state.WriteOrDeactivateAsync(this);
}
