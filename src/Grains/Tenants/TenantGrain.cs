using Berth.Configuration;
using Berth.Contracts;
using Berth.Errors;
using Berth.Events;
using Berth.Grains;
using Berth.Secrets;
using Berth.Specs;
using Berth.State;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Berth.Tenants;

/// <summary>
/// One tenant's claims. Not reentrant, so concurrent claims of the same tenant run one after the
/// other and the second finds the first's container. The slow steps (creating a cold member,
/// removing a released one) are awaited here, in the tenant's own turn, never in the pool's.
/// A step is recorded before it starts; an activation that finds a step recorded but unfinished
/// knows its previous activation died in it, and finishes or fails it visibly.
/// </summary>
// The grain type is part of every stored state's key: fixed here, so renaming the class keeps its state.
[GrainType("tenant")]
public sealed partial class TenantGrain(
    [PersistentState("tenant", StorageNames.Berth)] IPersistentState<TenantState> state,
    SnapshotSinks sinks,
    SecretProtector protector,
    IBerthEventPublisher events,
    IOptions<BerthOptions> options,
    ILogger<TenantGrain> logger,
    [FromKeyedServices(BerthClock.Key)] TimeProvider clock) : Grain, ITenantGrain, IRemindable
{
    private const string ReleaseRetryReminder = "release-retry";
    /// <summary>Failed attempts of the release in progress, per workload (each retries on its own).</summary>
    private readonly Dictionary<string, int> _releaseAttempts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IGrainTimer> _releaseRetries = new(StringComparer.Ordinal);
    /// <summary>Whether this activation registered the retry reminder (a later one learns of it when it fires).</summary>
    private bool _retryReminderRegistered;
    private readonly Dictionary<string, IGrainTimer> _periodic = new(StringComparer.Ordinal);

    private string TenantId => this.GetPrimaryKeyString();

    private TenantClaimView View(TenantClaimRecord record) => record.ToView(TenantId, LatestSnapshot(record.Workload));

    private SnapshotRecord? LatestSnapshot(string workload) => Snapshots.Latest(workload);

    private TenantSnapshots? _snapshots;
    private TenantSnapshots Snapshots => _snapshots ??= new(TenantId, () => state.State, sinks, GrainFactory, options.Value, logger, clock, PersistAsync, events);
    private DateTimeOffset Now => clock.GetUtcNow();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _activatedAt = Now;
        await RecoverInterruptedStepsAsync();
        await Snapshots.PruneRecoveredAsync();
        foreach (var record in state.State.Claims.Values.Where(c => c.State == TenantClaimState.Claimed))
        {
            StartPeriodicSync(record);
        }
        await ArmDeadlinesAsync();
    }

    private async Task<TenantClaimView> ClaimCoreAsync(string workload, string? operationId, TimeSpan? ttl)
    {
        _lastActivity = Now;
        if (state.State.Claims.TryGetValue(workload, out var existing) && existing.State == TenantClaimState.Claimed)
        {
            return View(existing);
        }
        if (existing is { State: TenantClaimState.Paused })
        {
            await ResumeAsync(existing);
            return View(existing);
        }
        if (existing is { State: TenantClaimState.Stopped })
        {
            await StartAsync(existing);
            return View(existing);
        }
        if (existing is { State: TenantClaimState.Released, Container: not null })
        {
            try
            {
                await ResumeAsync(existing, ttl);
                return View(existing);
            }
            catch (Exception ex) when (ex is not BerthException { Kind: BerthErrorKind.Conflict })
            {
                // The kept container is gone or broken: it goes, and the claim takes a fresh one with the saved state.
                logger.LogWarning("Tenant {Tenant}'s kept container of {Workload} could not be resumed ({Error}); claiming afresh", TenantId, workload, ex.Message);
                await DropKeptAsync(existing, $"resuming it failed: {ex.Message}");
            }
        }
        if (operationId is not null && existing is { State: TenantClaimState.Failed, ClaimFailure: { } kind } && existing.ClaimOperation == operationId)
        {
            throw new BerthException(kind, existing.Error ?? "the claim failed", retryAfterSeconds: kind == BerthErrorKind.Unavailable ? options.Value.RetryAfterSeconds : null);
        }
        if (existing is { State: TenantClaimState.Failed, Container: not null, SavedForRelease: false, ReleaseStartedAt: not null })
        {
            // Its container still holds state that could not be saved: handing it back stopped, or
            // restoring an older snapshot over it, would both lose that state.
            throw BerthException.Conflict($"tenant '{TenantId}''s release of '{workload}' failed ({existing.Error}); release it again once the sink works, or an admin forces the release");
        }
        if (existing?.State is TenantClaimState.Saving)
        {
            // Handing the container back now would race the save of its state.
            throw BerthException.Conflict($"tenant '{TenantId}' is still releasing '{workload}' (saving its state: {existing.Error ?? "in progress"}); claim again once it is released");
        }
        if (existing?.State is TenantClaimState.Releasing)
        {
            // The state is saved but the container not yet given back (the pool did not answer):
            // finish that first, or the pool keeps the old member waiting for a word that never
            // comes. Throws a 503 with Retry-After while it still cannot.
            await TryFinishReleaseAsync(existing);
        }
        var held = state.State.Claims.Values.Count(c => c.Workload != workload
            && (c.State is not (TenantClaimState.Released or TenantClaimState.Failed) || c.Container is not null));
        if (held >= options.Value.Quotas.MaxClaimsPerTenant)
        {
            throw BerthException.Quota($"tenant '{TenantId}' already holds {held} containers, its quota (Berth:Quotas:MaxClaimsPerTenant); release one first");
        }
        var record = existing ?? new TenantClaimRecord { Workload = workload };
        var pool = GrainFactory.GetGrain<IWorkloadPoolGrain>(workload);
        // The pool destroys a lost member when its tenant claims again: what it still holds is saved first.
        var restoreNote = existing is { State: TenantClaimState.Lost } ? await SaveLostContainerAsync(existing) : null;

        // A refused claim (unknown workload, pool at max_size) reserved nothing and leaves no trace.
        // A reservation this grain dies before recording is found by the pool's claim audit.
        var ticket = await pool.Claim(TenantId);
        if (ticket.Waiting) ticket = await WaitInLineAsync(pool, workload, ticket.Spec.Pool.ClaimWait);

        state.State.Claims[workload] = record;
        if (record.MemberId is { } previous && previous != ticket.MemberId) ForgetOwner(workload, previous);
        record.MemberId = ticket.MemberId;
        record.Source = ticket.Source;
        record.Sync = StateSync.From(ticket.Spec);
        record.SecretsTarget = ticket.Spec.Volumes.SecretsTarget;
        // A stack's other services take the tenant's secrets where they ask for them too.
        record.ServiceSecretsTargets = ticket.Spec.Services?.Skip(1).Where(s => s.Volumes.SecretsTarget is not null)
            .ToDictionary(s => s.Name, s => s.Volumes.SecretsTarget!, StringComparer.Ordinal);
        record.SavedForRelease = false;
        record.ClaimOperation = operationId;
        record.ClaimFailure = null;
        record.RestoredFrom = null;
        record.PathsReported = false;
        record.HostDownSince = null;
        record.Lifecycle = ClaimLifecycle.From(ticket.Spec);
        record.ExpiresAt = null;
        record.ExpiryReason = null;
        record.KeptUntil = null;
        record.KeepOnRelease = false;
        _requestedTtl = ttl;
        if (ticket.Container is { } warm)
        {
            await PrepareContainerAsync(record, warm, restoreNote);
            return await MarkClaimedAsync(record, warm);
        }

        record.Apply(TenantClaimEvent.CreateCold, Now);
        await PersistAsync();
        RunningContainer? container = null;
        try
        {
            container = await GrainFactory.GetGrain<IAgentHostGrain>(ticket.HostId).CreateMemberNow(ticket.CreateRequest!);
            container = await pool.CompleteColdClaim(TenantId, ticket.MemberId, container);
            await PrepareContainerAsync(record, container, restoreNote);
        }
        catch (Exception ex)
        {
            await GiveUpMemberAsync(workload, ticket.MemberId, ex.Message, container);
            ForgetContainer(record);
            record.Apply(TenantClaimEvent.ClaimFailed, Now, $"claim failed: {ex.Message}");
            record.ClaimFailure = KindOf(ex);
            await PersistAsync();
            Publish(BerthEventType.Failed, record, record.Error);
            logger.LogWarning("Cold claim of {Workload} for tenant {Tenant} failed: {Error}", workload, TenantId, ex.Message);
            throw;
        }
        return await MarkClaimedAsync(record, container);
    }

    /// <summary>Set while a claim waits in line; the pool's OnMemberReserved completes it.</summary>
    private TaskCompletionSource? _memberReserved;

    /// <summary>How often a claim in line asks again if the pool's word that a member is reserved got lost.</summary>
    private static readonly TimeSpan LinePoll = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Waits in the pool's line until it reserves a member for this tenant or the wait runs out
    /// (503, Retry-After). Nothing is recorded meanwhile: a crash here leaves no trace but the
    /// reservation, which the pool's claim audit gives up.
    /// </summary>
    private async Task<PoolClaimTicket> WaitInLineAsync(IWorkloadPoolGrain pool, string workload, TimeSpan wait)
    {
        var deadline = Now + wait;
        while (true)
        {
            _memberReserved = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var left = deadline - Now;
            if (left > TimeSpan.Zero)
            {
                await Task.WhenAny(_memberReserved.Task, Task.Delay(left < LinePoll ? left : LinePoll));
            }
            _memberReserved = null;
            if (Now >= deadline)
            {
                if (await pool.LeaveLine(TenantId) is { } late) return late;
                throw BerthException.Unavailable(
                    $"no member of '{workload}' became ready within pool.claim_wait ({wait.TotalSeconds:0} s) for tenant '{TenantId}'; retry later",
                    options.Value.RetryAfterSeconds);
            }
            var ticket = await pool.Claim(TenantId);
            if (!ticket.Waiting) return ticket;
        }
    }

    public Task OnMemberReserved(string workload)
    {
        _memberReserved?.TrySetResult();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Puts the newest snapshot and the tenant's secrets into the container before the claim is
    /// answered. A failure fails the claim and the caller's member is given up, so nothing
    /// half-restored is ever handed out.
    /// </summary>
    private async Task PrepareContainerAsync(TenantClaimRecord record, RunningContainer container, string? restoreNote)
    {
        var latest = LatestSnapshot(record.Workload);
        var restore = record.Sync is { RestoreOnClaim: true } sync && latest is not null
            ? latest.PartsOr(sync.Target).Where(part => sync.AllPaths.Any(p => p.Restore && p.Key == part.Path)).ToList()
            : [];
        if (restore.Count > 0 || restoreNote is not null)
        {
            record.RestoredFrom = new RestoredSnapshot(restore.Count > 0 ? latest!.SnapshotId : null, restore.Count > 0 ? latest!.CreatedAt : null, restoreNote);
        }
        var secrets = (record.SecretsTarget is not null || record.ServiceSecretsTargets is { Count: > 0 }) && Secrets.Any;
        if (restore.Count == 0 && !secrets)
        {
            return;
        }
        record.Apply(TenantClaimEvent.Restore, Now);
        await PersistAsync();
        var host = GrainFactory.GetGrain<IAgentHostGrain>(container.HostId);
        try
        {
            foreach (var part in restore)
            {
                var synced = record.Sync!.AllPaths.First(p => p.Key == part.Path);
                await host.RestoreSnapshot(TenantSnapshots.ContainerOf(container, synced), synced.Path, Snapshots.Stored(record.Workload, part), record.Sync.MaxBytes, synced.VolumeRoot);
            }
            if (secrets)
            {
                var tar = SecretFiles.BuildTar(Secrets.Open());
                if (record.SecretsTarget is { } target) await host.WriteFiles(container.ContainerId, target, tar);
                foreach (var (service, serviceTarget) in record.ServiceSecretsTargets ?? [])
                {
                    await host.WriteFiles(container.ContainerIdOf(service) ?? throw new InvalidOperationException($"the stack has no service '{service}'"), serviceTarget, tar);
                }
            }
        }
        catch (Exception ex)
        {
            await GiveUpMemberAsync(record.Workload, record.MemberId!, $"preparing the container failed: {ex.Message}", container);
            ForgetContainer(record);
            record.Apply(TenantClaimEvent.ClaimFailed, Now, $"restoring the saved state failed: {ex.Message}; the snapshot is kept, claim again");
            record.ClaimFailure = KindOf(ex);
            await PersistAsync();
            Publish(BerthEventType.Failed, record, record.Error);
            throw;
        }
    }

    /// <summary>
    /// Snapshots a lost claim's container (killed, out of memory, engine restarted: stopped but
    /// readable) before a new claim restores, so that the newest state wins. Returns why it could
    /// not, for the claim's answer; null when saved or when there is nothing to save.
    /// </summary>
    private async Task<string?> SaveLostContainerAsync(TenantClaimRecord record)
    {
        if (record is not { Container: { } container, Sync: { SaveOnRelease: true } sync })
        {
            return null;
        }
        if (await HostDownSinceAsync(record, askAnyway: true) is { } downSince)
        {
            // Waiting would keep the tenant out for as long as the host is away: it moves on, and
            // the container is saved as a recovered snapshot should the host come back.
            await StrandAsync(record, downSince);
            var before = LatestSnapshot(record.Workload);
            return $"host {container.HostId} is down since {downSince:u}, so the lost container could not be read; "
                + (before is null ? "no earlier snapshot exists, so the state starts empty" : $"restored the snapshot of {before.CreatedAt:u} instead, which lacks what was written after it")
                + "; should the host come back, that container's state is saved as a recovered snapshot (see recovered in the tenant's status)";
        }
        try
        {
            await Snapshots.TakeAsync(record, sync, container);
            logger.LogInformation("Saved tenant {Tenant}'s state of {Workload} from its lost container {ContainerId} before claiming again", TenantId, record.Workload, container.ContainerId);
            return null;
        }
        catch (Exception ex) when (ex is not BerthException { Kind: BerthErrorKind.NotFound or BerthErrorKind.Unprocessable })
        {
            // The container may still be readable (the sink or the engine is only unavailable now):
            // the pool would destroy it on this claim, so the claim waits instead of losing it.
            throw BerthException.Unavailable(
                $"the state of tenant '{TenantId}''s lost container of '{record.Workload}' could not be saved yet ({ex.Message}); claim again shortly",
                options.Value.RetryAfterSeconds);
        }
        catch (BerthException ex)
        {
            // Gone, or unsafe or too large to ever save: the last snapshot is the newest state there is.
            logger.LogWarning("Tenant {Tenant}'s lost container {ContainerId} of {Workload} could not be read: {Error}", TenantId, container.ContainerId, record.Workload, ex.Message);
            var latest = LatestSnapshot(record.Workload);
            return $"the container lost at {record.StateSince:u} could not be read ({ex.Message}); "
                + (latest is null ? "no earlier snapshot exists, so the state starts empty" : $"restored the snapshot of {latest.CreatedAt:u} instead, which lacks what was written after it");
        }
    }

    private static BerthErrorKind KindOf(Exception ex) => ex is BerthException berth ? berth.Kind : BerthErrorKind.Unavailable;

    /// <summary>
    /// Asks the pool to destroy a member this claim will not use. Best effort: if the pool cannot
    /// be reached, its creation deadline or claim audit gives the member up instead.
    /// </summary>
    private async Task GiveUpMemberAsync(string workload, string memberId, string reason, RunningContainer? container)
    {
        try
        {
            await GrainFactory.GetGrain<IWorkloadPoolGrain>(workload).AbandonClaim(TenantId, memberId, reason, container);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Could not give up member {Member} of {Workload}", memberId, workload);
        }
    }

    private TenantSecrets? _secrets;
    private TenantSecrets Secrets => _secrets ??= new(TenantId, () => state.State, protector);

    public async Task PutSecret(string name, byte[] value)
    {
        Secrets.Put(name, value);
        await PersistAsync();
        logger.LogInformation("Tenant {Tenant} stored secret {Secret} ({Bytes} bytes)", TenantId, name, value.Length);
    }

    public async Task<bool> DeleteSecret(string name)
    {
        if (!Secrets.Remove(name))
        {
            return false;
        }
        await PersistAsync();
        logger.LogInformation("Tenant {Tenant} deleted secret {Secret}", TenantId, name);
        return true;
    }

    public Task<string[]> ListSecrets() => Task.FromResult(Secrets.Names);

    public async Task<TenantClaimView> Sync(string? workload)
    {
        var claimed = state.State.Claims.Values.Where(c => c.State == TenantClaimState.Claimed).ToList();
        if (workload is null && claimed.Count > 1)
        {
            throw BerthException.Invalid("workload", $"tenant '{TenantId}' holds containers of several workloads ({string.Join(", ", claimed.Select(c => c.Workload))}); name the one to sync");
        }
        var record = workload is not null ? state.State.Claims.GetValueOrDefault(workload) : claimed.SingleOrDefault();
        if (record is not { State: TenantClaimState.Claimed, Container: { } container })
        {
            throw BerthException.NotFound($"tenant '{TenantId}' holds no claimed container{(workload is null ? " (or holds several; name the workload)" : $" of '{workload}'")}");
        }
        if (record.Sync is not { Manual: true } sync)
        {
            throw BerthException.Conflict($"manual sync is not enabled for '{record.Workload}' (sync.policy.manual, and volumes.state.target)");
        }
        await Snapshots.TakeAsync(record, sync, container);
        return View(record);
    }

    /// <summary>Periodic snapshots while claimed (sync.policy.periodic); the timer lives with the activation.</summary>
    private void StartPeriodicSync(TenantClaimRecord record)
    {
        if (record.Sync?.Periodic is not { } period || _periodic.ContainsKey(record.Workload))
        {
            return;
        }
        var workload = record.Workload;
        _periodic[workload] = this.RegisterGrainTimer(async () =>
        {
            if (!state.State.Claims.TryGetValue(workload, out var current) || current.State != TenantClaimState.Claimed || current.Container is not { } container || current.Sync is not { } sync)
            {
                _periodic.Remove(workload, out var timer);
                timer?.Dispose();
                return;
            }
            try
            {
                await Snapshots.TakeAsync(current, sync, container);
            }
            catch (Exception ex)
            {
                logger.LogWarning("Periodic sync of tenant {Tenant}'s {Workload} failed: {Error}", TenantId, workload, ex.Message);
            }
        }, new GrainTimerCreationOptions { DueTime = period, Period = period, KeepAlive = true });
    }

    /// <summary>The ttl the claim in progress asked for (set before the steps that may fail, used once it is ready).</summary>
    private TimeSpan? _requestedTtl;

    private async Task<TenantClaimView> MarkClaimedAsync(TenantClaimRecord record, RunningContainer container)
    {
        record.Container = container;
        record.ClaimedAt = Now;
        try
        {
            SetExpiry(record, _requestedTtl);
        }
        catch (BerthException)
        {
            // Asked for more than pool.max_claim_duration: the claim is capped there rather than refused
            // after its container is ready; the answer's expiresAt and expiryReason say so.
            SetExpiry(record, null);
        }
        record.Apply(TenantClaimEvent.Ready, Now);
        await PersistAsync();
        AnnounceClaim(record);
        StartPeriodicSync(record);
        Publish(BerthEventType.Claimed, record, null);
        await ArmDeadlinesAsync();
        logger.LogDebug("Tenant {Tenant} claimed {Workload}: container {ContainerId} on {Host} ({Source})",
            TenantId, record.Workload, container.ContainerId, container.HostId, record.Source);
        return View(record);
    }

    public Task<TenantClaimView> Release(string? workload, string? operationId) => ReleaseAsync(workload, operationId, mayKeep: true);

    /// <param name="mayKeep">Whether pool.keep_released may keep the container afterwards (not when it must make room or move).</param>
    private async Task<TenantClaimView> ReleaseAsync(string? workload, string? operationId, bool mayKeep)
    {
        _lastActivity = Now;
        if (operationId is not null && state.State.Claims.Values.FirstOrDefault(c => c.ReleaseOperations.Contains(operationId)) is { } done)
        {
            // A retry of this very release: the answer it got, not a second release, and not a 200
            // while its state is still unsaved.
            return done.State switch
            {
                TenantClaimState.Saving or TenantClaimState.Releasing when done.Error is not null =>
                    throw BerthException.Unavailable($"the release of '{done.Workload}' is not done: {done.Error}", RetryAfter(done.Workload)),
                TenantClaimState.Failed when done.Container is not null =>
                    throw BerthException.Conflict($"the release of '{done.Workload}' failed: {done.Error}"),
                TenantClaimState.Claimed when done.Error is not null =>
                    throw new BerthException(BerthErrorKind.Unprocessable, done.Error, "state"),
                _ => View(done),
            };
        }
        var record = FindForRelease(workload);
        if (record.State == TenantClaimState.Released)
        {
            return View(record);
        }
        if (record.State is not (TenantClaimState.Saving or TenantClaimState.Releasing))
        {
            record.ReleaseStartedAt = Now;
            _releaseAttempts.Remove(record.Workload);
        }
        if (operationId is not null)
        {
            record.ReleaseOperations.Add(operationId);
            if (record.ReleaseOperations.Count > TenantClaimRecord.RememberedReleaseOperations) record.ReleaseOperations.RemoveAt(0);
        }
        var running = record.State == TenantClaimState.Claimed;
        if (record.State is not (TenantClaimState.Saving or TenantClaimState.Releasing))
        {
            record.KeepOnRelease = mayKeep && record.State is TenantClaimState.Claimed or TenantClaimState.Paused && record.Lifecycle?.KeepReleased is not null;
        }
        record.Apply(TenantClaimEvent.Release, Now);
        await PersistAsync();
        await TryFinishReleaseAsync(record, containerRunning: running);
        return View(record);
    }

    /// <summary>
    /// Runs the release and records how it ended. A state that cannot be saved keeps its container
    /// (never destroyed unsaved): too large or unsafe, the claim stays usable with the error shown;
    /// otherwise the container is stopped and the save retried with backoff, per workload, by a
    /// timer and (across deactivations) a reminder. A step after the save that fails is retried
    /// the same way. Past <see cref="BerthOptions.ReleaseRetryDeadline"/> the release is Failed
    /// with its reason, the container kept; a new release, or an admin's forced one, ends it.
    /// </summary>
    private async Task TryFinishReleaseAsync(TenantClaimRecord record, bool containerRunning = false)
    {
        try
        {
            await FinishReleaseAsync(record);
            _releaseAttempts.Remove(record.Workload);
            await PersistAsync();
            await ForgetRetryReminderIfDoneAsync();
        }
        catch (BerthException ex) when (record.State == TenantClaimState.Saving && ex.Kind == BerthErrorKind.Unprocessable)
        {
            if (containerRunning)
            {
                // The tenant's own release of a running container: it keeps using it.
                record.Apply(TenantClaimEvent.SaveRefused, Now, $"release refused, the container is kept: {ex.Message}");
                record.ReleaseStartedAt = null;
            }
            else
            {
                // Stopped or dead (a lost claim, a retried save): handing it back as claimed would be a dead end.
                record.Apply(TenantClaimEvent.ReleaseFailed, Now, $"the state cannot be saved ({ex.Message}); the container is kept stopped; an admin can POST release?force=true to destroy it unsaved");
                _releaseAttempts.Remove(record.Workload);
            }
            await PersistAsync();
            throw;
        }
        catch (Exception ex)
        {
            var saving = record.State == TenantClaimState.Saving;
            var attempts = _releaseAttempts[record.Workload] = _releaseAttempts.GetValueOrDefault(record.Workload) + 1;
            var startedAt = record.ReleaseStartedAt ?? Now;
            var what = saving ? "saving the state" : "finishing the release (the state is saved)";
            if (Now - startedAt > options.Value.ReleaseRetryDeadline)
            {
                record.Apply(TenantClaimEvent.ReleaseFailed, Now,
                    $"{what} failed for {(Now - startedAt).TotalMinutes:0} min, {attempts} attempts, last: {ex.Message}; the container is kept"
                    + (saving ? " stopped; release again once the sink works, or an admin can POST release?force=true to destroy it unsaved" : "; release again"));
                _releaseAttempts.Remove(record.Workload);
                await PersistAsync();
                await ForgetRetryReminderIfDoneAsync();
                logger.LogError("Tenant {Tenant}'s release of {Workload} failed for good: {Error}", TenantId, record.Workload, record.Error);
                Publish(BerthEventType.Failed, record, record.Error);
                throw BerthException.Conflict($"the release of '{record.Workload}' failed: {record.Error}");
            }
            var delay = RetryDelay(attempts);
            record.Apply(TenantClaimEvent.RetryLater, Now,
                $"{what} failed (attempt {attempts}): {ex.Message}; {(saving ? "the container is kept stopped and " : "")}Berth retries in {delay.TotalSeconds:0}s");
            await PersistAsync();
            if (saving && record.Container is { } container)
            {
                try
                {
                    await GrainFactory.GetGrain<IAgentHostGrain>(container.HostId).StopContainer(container.ContainerId);
                }
                catch (Exception stopFailure)
                {
                    logger.LogWarning(stopFailure, "Could not stop container {ContainerId} after a failed save", container.ContainerId);
                }
            }
            logger.LogWarning("Tenant {Tenant}'s release of {Workload}: {What} failed (attempt {Attempt}); retrying in {Delay}: {Error}",
                TenantId, record.Workload, what, attempts, delay, ex.Message);
            ScheduleReleaseRetry(record.Workload, delay);
            if (!_retryReminderRegistered)
            {
                await this.RegisterOrUpdateReminder(ReleaseRetryReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
                _retryReminderRegistered = true;
            }
            throw BerthException.Unavailable($"the release of '{record.Workload}' by tenant '{TenantId}' is not done yet ({ex.Message}); the container is kept and Berth retries", (int)delay.TotalSeconds);
        }
    }

    private static TimeSpan RetryDelay(int attempts) => TimeSpan.FromSeconds(Math.Min(60, Math.Pow(2, Math.Min(attempts, 6))));

    private int RetryAfter(string workload) => (int)RetryDelay(Math.Max(1, _releaseAttempts.GetValueOrDefault(workload))).TotalSeconds;

    private void ScheduleReleaseRetry(string workload, TimeSpan delay)
    {
        if (_releaseRetries.Remove(workload, out var previous)) previous.Dispose();
        _releaseRetries[workload] = this.RegisterGrainTimer(async () =>
        {
            if (_releaseRetries.Remove(workload, out var timer)) timer.Dispose();
            await RetryReleaseAsync(workload);
        }, new GrainTimerCreationOptions { DueTime = delay, Period = Timeout.InfiniteTimeSpan, KeepAlive = true });
    }

    private async Task RetryReleaseAsync(string workload)
    {
        if (state.State.Claims.TryGetValue(workload, out var record) && record.State is TenantClaimState.Saving or TenantClaimState.Releasing)
        {
            try
            {
                await TryFinishReleaseAsync(record);
            }
            catch (Exception)
            {
                // Recorded and rescheduled by TryFinishReleaseAsync.
            }
        }
    }

    /// <summary>
    /// The reminder outlives the activation (and, with PostgreSQL, the silo): activating the grain
    /// resumes unfinished releases (OnActivateAsync), and each tick retries those whose timer is gone.
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == LifecycleReminder)
        {
            _lifecycleReminderRegistered = true;
            await RunDueStepsAsync();
            return;
        }
        if (reminderName != ReleaseRetryReminder) return;
        _retryReminderRegistered = true;
        foreach (var workload in state.State.Claims.Values
            .Where(c => c.State is TenantClaimState.Saving or TenantClaimState.Releasing && !_releaseRetries.ContainsKey(c.Workload))
            .Select(c => c.Workload).ToList())
        {
            await RetryReleaseAsync(workload);
        }
        await ForgetRetryReminderIfDoneAsync();
    }

    /// <summary>Drops the retry reminder once no release is left to retry; a plain release never touches the reminder table.</summary>
    private async Task ForgetRetryReminderIfDoneAsync()
    {
        if (!_retryReminderRegistered || state.State.Claims.Values.Any(c => c.State is TenantClaimState.Saving or TenantClaimState.Releasing))
        {
            return;
        }
        if (await this.GetReminder(ReleaseRetryReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
        _retryReminderRegistered = false;
    }

    /// <summary>
    /// An admin's way out of a release whose state cannot be saved: the container is destroyed
    /// without a new snapshot (the last one stays restorable). Audited by the gateway.
    /// </summary>
    private const string ForcedRelease = "released by force without saving its state; the last snapshot stays the one restored";

    public async Task<TenantClaimView> ForceRelease(string? workload)
    {
        var record = FindForRelease(workload);
        if (record.State == TenantClaimState.Released)
        {
            return View(record);
        }
        logger.LogWarning("Tenant {Tenant}'s {Workload} is released by force, without saving its state (was {State}: {Error})", TenantId, record.Workload, record.State, record.Error);
        if (_releaseRetries.Remove(record.Workload, out var timer)) timer.Dispose();
        record.SavedForRelease = true;
        record.KeepOnRelease = false;
        record.ReleaseStartedAt = Now;
        record.Apply(TenantClaimEvent.Release, Now, ForcedRelease);
        await PersistAsync();
        await TryFinishReleaseAsync(record);
        record.Error = ForcedRelease;
        await PersistAsync();
        return View(record);
    }

    /// <summary>Saves the state, removes the container, then tells the pool; safe to repeat after a crash at any point.</summary>
    private async Task FinishReleaseAsync(TenantClaimRecord record)
    {
        if (record.MemberId is { } memberId)
        {
            var downSince = await HostDownSinceAsync(record, askAnyway: _releaseAttempts.GetValueOrDefault(record.Workload) > 0);
            await SaveStateAsync(record, downSince);
            if (downSince is null && await TryKeepAsync(record))
            {
                Publish(BerthEventType.Released, record, $"saved and kept paused for this tenant until {record.KeptUntil:u} (pool.keep_released)");
                return;
            }
            var pool = GrainFactory.GetGrain<IWorkloadPoolGrain>(record.Workload);
            // The pool records the release first, so the member can never be handed back meanwhile.
            await pool.BeginRelease(TenantId, memberId, record.Container);
            // A down host's container is left for its return (saved as recovered first, when stranded).
            if (record.Container is { } container && downSince is null)
            {
                await GrainFactory.GetGrain<IAgentHostGrain>(container.HostId).DestroyContainer(container.ContainerId);
            }
            await pool.CompleteRelease(TenantId, memberId);
        }
        logger.LogDebug("Tenant {Tenant} released {Workload} (container {ContainerId})", TenantId, record.Workload, record.Container?.ContainerId ?? "none");
        var released = record.Container;
        ForgetContainer(record);
        record.ReleaseStartedAt = null;
        record.KeepOnRelease = false;
        record.ExpiresAt = null;
        record.ExpiryReason = null;
        record.Apply(TenantClaimEvent.Finished, Now);
        events.Publish(BerthEvents.Draft(BerthEventType.Released, TenantId, record.Workload, released));
    }

    /// <summary>
    /// Snapshots the state into the sink and records it only once the sink's copy is verified; the
    /// previous snapshots stay until then, and the oldest beyond the kept count go afterwards.
    /// </summary>
    private async Task SaveStateAsync(TenantClaimRecord record, DateTimeOffset? hostDownSince)
    {
        if (record.Sync is not { SaveOnRelease: true } sync || record.Container is not { } container || record.SavedForRelease)
        {
            return;
        }
        if (hostDownSince is { } since)
        {
            await StrandAsync(record, since);
            logger.LogWarning("Tenant {Tenant}'s container {ContainerId} of {Workload} is on host {Host}, down since {Since:u}: released without a new snapshot; its state is saved as a recovered snapshot should the host return",
                TenantId, container.ContainerId, record.Workload, container.HostId, since);
            record.SavedForRelease = true;
            record.Apply(TenantClaimEvent.Saved, Now);
            await PersistAsync();
            return;
        }
        record.Apply(TenantClaimEvent.Save, Now, record.Error);
        await PersistAsync();
        try
        {
            await Snapshots.TakeAsync(record, sync, container);
        }
        catch (BerthException ex) when (ex.Kind == BerthErrorKind.NotFound)
        {
            // The container is gone (removed behind Berth's back): nothing left to save; the last
            // complete snapshot stays the one restored next time.
            logger.LogWarning("Tenant {Tenant}'s container {ContainerId} of {Workload} is gone; releasing without a new snapshot", TenantId, container.ContainerId, record.Workload);
        }
        record.SavedForRelease = true;
        record.Apply(TenantClaimEvent.Saved, Now);
        await PersistAsync();
    }

    /// <summary>
    /// Records the member's owner, which then tells the pool, which drops the claim from its stored
    /// books. One-way and best effort: until the pool hears it, its claim audit asks again (VerifyClaim).
    /// </summary>
    private void AnnounceClaim(TenantClaimRecord record)
    {
        if (record is not { MemberId: { } memberId, Container: { } container, ClaimedAt: { } claimedAt }) return;
        _ = GrainFactory.GetGrain<IMemberOwnerGrain>(IMemberOwnerGrain.KeyOf(record.Workload, memberId))
            .Record(new MemberOwner(TenantId, container, record.Source ?? ClaimSource.Warm, claimedAt));
    }

    private void ForgetOwner(string workload, string memberId) =>
        _ = GrainFactory.GetGrain<IMemberOwnerGrain>(IMemberOwnerGrain.KeyOf(workload, memberId)).Clear(TenantId);

    private void ForgetContainer(TenantClaimRecord record)
    {
        if (record.MemberId is { } memberId) ForgetOwner(record.Workload, memberId);
        record.MemberId = null;
        record.Container = null;
        record.ClaimedAt = null;
        record.Source = null;
        record.HostDownSince = null;
    }

    private TenantClaimRecord FindForRelease(string? workload)
    {
        if (workload is not null)
        {
            return state.State.Claims.TryGetValue(workload, out var named)
                ? named
                : throw BerthException.NotFound($"tenant '{TenantId}' has no claim on workload '{workload}'");
        }
        var held = state.State.Claims.Values.Where(c => c.State != TenantClaimState.Released).ToList();
        return held.Count switch
        {
            0 => throw BerthException.NotFound($"tenant '{TenantId}' holds no container"),
            1 => held[0],
            _ => throw BerthException.Invalid("workload",
                $"tenant '{TenantId}' holds containers of several workloads ({string.Join(", ", held.Select(c => c.Workload))}); name the one to release"),
        };
    }

    public Task<TenantStatus> GetStatus() => Task.FromResult(new TenantStatus(
        TenantId,
        [.. state.State.Claims.Values.OrderBy(c => c.Workload, StringComparer.Ordinal).Select(View)],
        [.. state.State.Recovered.Where(r => r.ExpiresAt > Now).Select(r => r.ToView())],
        _lastActivity));

    /// <summary>See <see cref="ITenantGrain.Touch"/>: the idle timeout's clock, not stored.</summary>
    private DateTimeOffset? _lastActivity;

    public Task Touch()
    {
        _lastActivity = Now;
        return Task.CompletedTask;
    }

    public async Task OnMemberLost(string workload, string memberId, string reason, DateTimeOffset? hostDownSince = null)
    {
        if (!state.State.Claims.TryGetValue(workload, out var record) || record.MemberId != memberId)
        {
            return;
        }
        var containerId = record.Container?.ContainerId;
        switch (record.State)
        {
            case TenantClaimState.Stopped when hostDownSince is null:
                // Exited because its owner stopped it: the pool (restarted, say) did not know. It knows now.
                await TellPoolAsync(record, ClaimMode.Stopped);
                return;
            case TenantClaimState.Released when record.Container is not null:
                // A kept container died or its host went: nothing to keep any more (its state was saved on release).
                await DropKeptAsync(record, $"it was lost: {reason}", destroy: hostDownSince is null);
                return;
            case TenantClaimState.Claimed or TenantClaimState.Paused or TenantClaimState.Stopped:
                record.Apply(TenantClaimEvent.Lose, Now, $"container {containerId} was lost: {reason}; claim again for a fresh one");
                record.HostDownSince = hostDownSince;
                Publish(BerthEventType.Lost, record, reason);
                break;
            case TenantClaimState.Claiming:
                ForgetContainer(record);
                record.Apply(TenantClaimEvent.ClaimFailed, Now, $"claim failed: {reason}; claim again");
                break;
            case TenantClaimState.Releasing:
                // The pool finished a release this grain started and could not complete.
                ForgetContainer(record);
                record.Apply(TenantClaimEvent.Finished, Now);
                break;
            case TenantClaimState.Lost when hostDownSince is not null && record.HostDownSince is null:
                // Lost before (its container died), and now its host is gone too: nothing to wait for.
                record.HostDownSince = hostDownSince;
                break;
            default:
                return;
        }
        logger.LogWarning("Tenant {Tenant}'s claim on {Workload} is {State}: {Reason} (container {ContainerId})",
            TenantId, workload, record.State, reason, containerId ?? "none");
        await PersistAsync();
    }

    /// <summary>
    /// Since when the host of a claim lost to a host failure is still down; null when it was not
    /// lost that way or the host is back (then its container can be read as usual). With
    /// <paramref name="askAnyway"/> the registry is asked for any claim (a lost one, a release that
    /// failed once): a pool that restarted while the host was down could not tell the tenant.
    /// </summary>
    private async Task<DateTimeOffset?> HostDownSinceAsync(TenantClaimRecord record, bool askAnyway = false)
    {
        if (record.Container is not { } container || record.HostDownSince is null && !askAnyway) return null;
        var since = record.HostDownSince ?? Now;
        try
        {
            var host = await GrainFactory.GetGrain<IHostRegistryGrain>(0).Get(container.HostId);
            return host is { State: HostState.Down or HostState.Removed } ? host.DownSince ?? since : null;
        }
        catch (Exception ex)
        {
            logger.LogWarning("Could not ask the registry about host {Host}; going by the pool's word that it is down: {Error}", container.HostId, ex.Message);
            return record.HostDownSince;
        }
    }

    /// <summary>Durably marks the container of a down host as one to save when it returns (see MemberOwner.StrandedSince).</summary>
    private async Task StrandAsync(TenantClaimRecord record, DateTimeOffset since)
    {
        if (record is not { MemberId: { } memberId, Container: { } container, Sync.SaveOnRelease: true }) return;
        await GrainFactory.GetGrain<IMemberOwnerGrain>(IMemberOwnerGrain.KeyOf(record.Workload, memberId))
            .Strand(new MemberOwner(TenantId, container, record.Source ?? ClaimSource.Warm, record.ClaimedAt ?? since, since));
    }

    public async Task Evict(string workload, string memberId, string reason)
    {
        if (!state.State.Claims.TryGetValue(workload, out var record) || record.MemberId != memberId || record.State != TenantClaimState.Claimed)
        {
            return;
        }
        logger.LogInformation("Moving tenant {Tenant}'s {Workload} off container {ContainerId}: {Reason}", TenantId, workload, record.Container?.ContainerId, reason);
        try
        {
            await ReleaseAsync(workload, operationId: null, mayKeep: false);
            await Claim(workload, operationId: null);
        }
        catch (Exception ex)
        {
            // The pool asks again after its audit interval while the host still drains.
            logger.LogWarning("Moving tenant {Tenant}'s {Workload} failed for now: {Error}", TenantId, workload, ex.Message);
        }
    }

    public async Task RecoverContainer(string workload, string memberId, RunningContainer container)
    {
        var owner = GrainFactory.GetGrain<IMemberOwnerGrain>(IMemberOwnerGrain.KeyOf(workload, memberId));
        state.State.Claims.TryGetValue(workload, out var record);
        if (record is not null && record.MemberId == memberId && record.State != TenantClaimState.Released)
        {
            // Still this tenant's own (lost) claim: its next claim or release saves it as usual.
            await owner.Strand(new MemberOwner(TenantId, container, record.Source ?? ClaimSource.Warm, record.ClaimedAt ?? Now));
            return;
        }
        if (record?.Sync is { SaveOnRelease: true } sync)
        {
            try
            {
                var snapshotId = await Snapshots.SaveRecoveredAsync(workload, sync, container);
                var retention = options.Value.RecoveredSnapshotRetention;
                logger.LogWarning("Saved tenant {Tenant}'s state of {Workload} from container {ContainerId} of returned host {Host} as recovered snapshot {Snapshot} (kept until {Expires:u})",
                    TenantId, workload, container.ContainerId, container.HostId, snapshotId, Now + retention);
            }
            catch (BerthException ex) when (ex.Kind is BerthErrorKind.NotFound or BerthErrorKind.Unprocessable)
            {
                logger.LogWarning("Tenant {Tenant}'s stranded container {ContainerId} of {Workload} could not be read ({Error}); removing it", TenantId, container.ContainerId, workload, ex.Message);
            }
            catch (Exception ex)
            {
                logger.LogWarning("Saving tenant {Tenant}'s stranded container {ContainerId} of {Workload} failed for now (the pool asks again): {Error}", TenantId, container.ContainerId, workload, ex.Message);
                return;
            }
        }
        await owner.Clear(TenantId, recovered: true);
        await GrainFactory.GetGrain<IWorkloadPoolGrain>(workload).OnContainerRecovered(memberId, container);
        await Snapshots.PruneRecoveredAsync();
    }

    public async Task ReleaseLost(string workload, string memberId)
    {
        if (!state.State.Claims.TryGetValue(workload, out var record) || record.MemberId != memberId || record.State != TenantClaimState.Lost)
        {
            return;
        }
        var lostSince = record.StateSince;
        logger.LogWarning("Tenant {Tenant}'s lost claim on {Workload} (since {Since}) passed its lost timeout; releasing it", TenantId, workload, lostSince);
        record.ReleaseStartedAt ??= Now;
        record.Apply(TenantClaimEvent.Release, Now, record.Error);
        await PersistAsync();
        try
        {
            await TryFinishReleaseAsync(record);
            record.Error = $"released by Berth: its container was lost at {lostSince:u} and not reclaimed within the workload's pool.lost_timeout";
            await PersistAsync();
        }
        catch (Exception)
        {
            // TryFinishReleaseAsync recorded the outcome (and scheduled a retry where one helps).
        }
    }

    public async Task VerifyClaim(string workload, string memberId)
    {
        if (state.State.Claims.TryGetValue(workload, out var record) && record.MemberId == memberId)
        {
            // Held: the pool lost the tenant's word (or restarted), so it is given again.
            if (record.State == TenantClaimState.Claimed) AnnounceClaim(record);
            return;
        }
        logger.LogWarning("Tenant {Tenant} does not hold member {Member} of {Workload} that the pool reserved for it; giving it up", TenantId, memberId, workload);
        await GrainFactory.GetGrain<IWorkloadPoolGrain>(workload).AbandonClaim(TenantId, memberId, "the tenant never recorded the claim", null);
    }

    /// <summary>Finishes or fails the steps a previous activation recorded but did not complete.</summary>
    private async Task RecoverInterruptedStepsAsync()
    {
        var interrupted = state.State.Claims.Values
            .Where(c => c.State is TenantClaimState.Claiming or TenantClaimState.Restoring or TenantClaimState.Releasing or TenantClaimState.Saving)
            .ToList();
        foreach (var record in interrupted)
        {
            logger.LogWarning("Tenant {Tenant}'s {State} of {Workload} was interrupted; recovering", TenantId, record.State, record.Workload);
            try
            {
                if (record.State is TenantClaimState.Claiming or TenantClaimState.Restoring)
                {
                    if (record.MemberId is { } memberId)
                    {
                        await GrainFactory.GetGrain<IWorkloadPoolGrain>(record.Workload).AbandonClaim(TenantId, memberId, "the claim was interrupted", record.Container);
                    }
                    ForgetContainer(record);
                    record.Apply(TenantClaimEvent.ClaimFailed, Now, "the claim was interrupted by a silo failure; claim again");
                }
                else
                {
                    record.ReleaseStartedAt ??= Now;
                    record.Apply(TenantClaimEvent.Release, Now, record.Error);
                    try
                    {
                        await TryFinishReleaseAsync(record);
                    }
                    catch (Exception)
                    {
                        // TryFinishReleaseAsync recorded the outcome (and scheduled a retry where one helps).
                    }
                }
            }
            catch (Exception ex)
            {
                record.Apply(record.State is TenantClaimState.Claiming or TenantClaimState.Restoring ? TenantClaimEvent.ClaimFailed : TenantClaimEvent.ReleaseFailed, Now, $"recovering the interrupted {record.State} failed: {ex.Message}; retry");
            }
        }
        if (interrupted.Count > 0)
        {
            await PersistAsync();
        }
    }

    /// <summary>See <see cref="PersistentStateWrites.WriteOrDeactivateAsync{T}"/>.</summary>
    private Task PersistAsync() => state.WriteOrDeactivateAsync(this);
}
