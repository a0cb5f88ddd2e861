using Berth.Contracts;
using Berth.Errors;
using Berth.Events;
using Berth.Grains;
using Berth.Specs;

namespace Berth.Tenants;

/// <summary>
/// Pause and resume, owner stop and start, time limits, idle release and affinity (kept
/// containers): the moves past claim and release, each through <see cref="TenantTransitions"/>.
/// </summary>
public sealed partial class TenantGrain
{
    private const string LifecycleReminder = "lifecycle";
    private IGrainTimer? _deadlineTimer;
    private DateTimeOffset? _deadlineAt;
    private bool _lifecycleReminderRegistered;
    /// <summary>When each claim's state directory is to be looked at next (pool.file_idle_ttl), as the last look found.</summary>
    private readonly Dictionary<string, DateTimeOffset> _fileChecks = new(StringComparer.Ordinal);

    private DateTimeOffset? NextFileCheck(string workload) => _fileChecks.TryGetValue(workload, out var at) ? at : null;
    /// <summary>Before any touch this activation, the activation itself counts as activity: an idle claim is never released early.</summary>
    private DateTimeOffset _activatedAt;

    private DateTimeOffset LastActivity => _lastActivity ?? _activatedAt;

    public async Task<TenantClaimView> Pause(string? workload)
    {
        var record = FindHeld(workload, "pause");
        if (record.State == TenantClaimState.Paused) return View(record);
        RequireMove(record, TenantClaimEvent.Pause, "pause");
        await PauseAsync(record, "paused by its tenant");
        return View(record);
    }

    public async Task<TenantClaimView> Resume(string? workload)
    {
        var record = FindHeld(workload, "resume");
        if (record.State == TenantClaimState.Claimed) return View(record);
        RequireMove(record, TenantClaimEvent.Resume, "resume");
        await ResumeAsync(record);
        return View(record);
    }

    public async Task<TenantClaimView> Stop(string? workload)
    {
        var record = FindHeld(workload, "stop");
        if (record.State == TenantClaimState.Stopped) return View(record);
        RequireMove(record, TenantClaimEvent.Stop, "stop");
        var container = record.Container!;
        var host = GrainFactory.GetGrain<IAgentHostGrain>(container.HostId);
        // The pool learns first, so the exited container it is about to see is not taken for a lost one.
        await TellPoolAsync(record, ClaimMode.Stopped);
        if (record.State == TenantClaimState.Paused) await host.UnpauseContainer(container.ContainerId);
        await host.StopContainer(container.ContainerId);
        record.Apply(TenantClaimEvent.Stop, Now);
        await PersistAsync();
        Publish(BerthEventType.Stopped, record, "stopped by its owner; the container and its files are kept");
        await ArmDeadlinesAsync();
        return View(record);
    }

    public async Task<TenantClaimView> Start(string? workload)
    {
        var record = FindHeld(workload, "start");
        if (record.State == TenantClaimState.Claimed) return View(record);
        RequireMove(record, TenantClaimEvent.Start, "start");
        await StartAsync(record);
        return View(record);
    }

    public async Task<TenantClaimView> Extend(string? workload, TimeSpan ttl)
    {
        var record = FindHeld(workload, "extend");
        if (record.State is not (TenantClaimState.Claimed or TenantClaimState.Paused or TenantClaimState.Stopped))
        {
            throw BerthException.Conflict($"tenant '{TenantId}''s claim on '{record.Workload}' is {Lower(record.State)}; only a claimed, paused or stopped one can be extended");
        }
        SetExpiry(record, ttl);
        await PersistAsync();
        await ArmDeadlinesAsync();
        return View(record);
    }

    public async Task YieldParked(string workload, string memberId)
    {
        if (!state.State.Claims.TryGetValue(workload, out var record) || record.MemberId != memberId) return;
        try
        {
            if (record is { State: TenantClaimState.Released, Container: not null })
            {
                await DropKeptAsync(record, "the pool needed the room");
            }
            else if (record.State == TenantClaimState.Paused)
            {
                Publish(BerthEventType.Expired, record, "pressure: the pool is at max_size and this paused container is the oldest");
                await ReleaseAsync(workload, operationId: null, mayKeep: false);
            }
        }
        catch (Exception ex)
        {
            // The pool asks again if it still needs the room.
            logger.LogWarning("Tenant {Tenant} could not let its parked {Workload} go yet: {Error}", TenantId, workload, ex.Message);
        }
    }

    /// <summary>The one claim an operation names (or the tenant's only held one); 404 otherwise.</summary>
    private TenantClaimRecord FindHeld(string? workload, string verb)
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
            // Its only claim, released: the move is refused by state (409), not for a missing claim.
            0 when state.State.Claims.Count == 1 => state.State.Claims.Values.Single(),
            0 => throw BerthException.NotFound($"tenant '{TenantId}' holds no container to {verb}"),
            1 => held[0],
            _ => throw BerthException.Invalid("workload",
                $"tenant '{TenantId}' holds containers of several workloads ({string.Join(", ", held.Select(c => c.Workload))}); name the one to {verb}"),
        };
    }

    /// <summary>A 409 naming the state when the table has no such move from it.</summary>
    private void RequireMove(TenantClaimRecord record, TenantClaimEvent @event, string verb)
    {
        if (TenantTransitions.Allows(record.State, @event) && record.Container is not null) return;
        var from = string.Join(", ", TenantTransitions.From(@event).Select(Lower));
        throw BerthException.Conflict($"cannot {verb} tenant '{TenantId}''s claim on '{record.Workload}': it is {Lower(record.State)} (possible when {from})");
    }

    private static string Lower(TenantClaimState state) => state.ToString().ToLowerInvariant();

    private async Task PauseAsync(TenantClaimRecord record, string reason)
    {
        var container = record.Container!;
        await GrainFactory.GetGrain<IAgentHostGrain>(container.HostId).PauseContainer(container.ContainerId);
        record.Apply(TenantClaimEvent.Pause, Now);
        await PersistAsync();
        await TellPoolAsync(record, ClaimMode.Parked);
        Publish(BerthEventType.Paused, record, reason);
        await ArmDeadlinesAsync();
    }

    /// <summary>Unpauses a paused or kept container: no restore, the tenant's processes run on where they stopped.</summary>
    private async Task ResumeAsync(TenantClaimRecord record, TimeSpan? ttl = null)
    {
        var container = record.Container!;
        await GrainFactory.GetGrain<IAgentHostGrain>(container.HostId).UnpauseContainer(container.ContainerId);
        var wasKept = record.State == TenantClaimState.Released;
        record.Apply(TenantClaimEvent.Resume, Now);
        record.Source = ClaimSource.Resumed;
        record.KeptUntil = null;
        record.KeepOnRelease = false;
        record.RestoredFrom = null;
        if (wasKept)
        {
            // A new claim of the kept container: its own time limit starts now.
            record.ClaimedAt = Now;
            record.ClaimOperation = null;
            record.ExpiresAt = null;
            record.ExpiryReason = null;
            SetExpiry(record, ttl);
        }
        _lastActivity = Now;
        await PersistAsync();
        await TellPoolAsync(record, ClaimMode.Active);
        Publish(BerthEventType.Resumed, record, wasKept ? "the container kept for this tenant (pool.keep_released) was claimed again" : null);
        await ArmDeadlinesAsync();
    }

    private async Task StartAsync(TenantClaimRecord record)
    {
        var container = record.Container!;
        RunningContainer started;
        try
        {
            started = await GrainFactory.GetGrain<IAgentHostGrain>(container.HostId).StartContainer(container.ContainerId, record.Lifecycle?.Healthcheck);
        }
        catch (BerthException ex) when (ex.Kind == BerthErrorKind.NotFound)
        {
            record.Apply(TenantClaimEvent.Lose, Now, $"container {container.ContainerId} was removed while stopped; claim again for a fresh one (the last snapshot is restored)");
            await PersistAsync();
            Publish(BerthEventType.Lost, record, record.Error);
            throw BerthException.Conflict(record.Error!);
        }
        record.Container = started;
        record.Apply(TenantClaimEvent.Start, Now);
        _lastActivity = Now;
        await PersistAsync();
        await TellPoolAsync(record, ClaimMode.Active);
        AnnounceClaim(record);
        Publish(BerthEventType.Started, record, null);
        await ArmDeadlinesAsync();
    }

    /// <summary>
    /// Sets when the claim ends: <paramref name="ttl"/> from now, never past pool.max_claim_duration
    /// from the claim (409 naming ttl when asked for more); without one, that limit alone.
    /// </summary>
    private void SetExpiry(TenantClaimRecord record, TimeSpan? ttl)
    {
        var hardEnd = record.Lifecycle?.MaxClaimDuration is { } max ? (record.ClaimedAt ?? Now) + max : (DateTimeOffset?)null;
        if (ttl is { } wanted)
        {
            var end = Now + wanted;
            if (hardEnd is { } limit && end > limit)
            {
                throw new BerthException(BerthErrorKind.Conflict,
                    $"ttl would end the claim at {end:u}, after pool.max_claim_duration allows ({limit:u}); ask for at most {Math.Max(0, (limit - Now).TotalSeconds):0}s", "ttl");
            }
            record.ExpiresAt = end;
            record.ExpiryReason = "ttl";
        }
        else if (hardEnd is not null && record.ExpiresAt is null)
        {
            record.ExpiresAt = hardEnd;
            record.ExpiryReason = "pool.max_claim_duration";
        }
    }

    /// <summary>
    /// After a release's snapshot, with pool.keep_released: the container is paused and kept for this
    /// tenant only; false when it cannot be (then it is destroyed as usual).
    /// </summary>
    private async Task<bool> TryKeepAsync(TenantClaimRecord record)
    {
        if (record is not { KeepOnRelease: true, Container: { } container, Lifecycle.KeepReleased: { } keep }) return false;
        try
        {
            await GrainFactory.GetGrain<IAgentHostGrain>(container.HostId).PauseContainer(container.ContainerId);
        }
        catch (Exception ex)
        {
            logger.LogWarning("Tenant {Tenant}'s released {Workload} cannot be kept ({Error}); destroying it", TenantId, record.Workload, ex.Message);
            return false;
        }
        record.KeepOnRelease = false;
        record.KeptUntil = Now + keep;
        record.ReleaseStartedAt = null;
        record.ExpiresAt = null;
        record.ExpiryReason = null;
        record.Apply(TenantClaimEvent.Kept, Now);
        await PersistAsync();
        await TellPoolAsync(record, ClaimMode.Parked);
        await ArmDeadlinesAsync();
        return true;
    }

    /// <summary>Destroys a kept container (its state was saved when it was released) and gives the member back.</summary>
    private async Task DropKeptAsync(TenantClaimRecord record, string why, bool destroy = true)
    {
        if (record is not { State: TenantClaimState.Released, Container: { } container, MemberId: { } memberId }) return;
        var pool = GrainFactory.GetGrain<IWorkloadPoolGrain>(record.Workload);
        await pool.BeginRelease(TenantId, memberId, container);
        if (destroy) await GrainFactory.GetGrain<IAgentHostGrain>(container.HostId).DestroyContainer(container.ContainerId);
        await pool.CompleteRelease(TenantId, memberId);
        logger.LogInformation("Tenant {Tenant}'s kept container {ContainerId} of {Workload} is destroyed: {Why}", TenantId, container.ContainerId, record.Workload, why);
        ForgetContainer(record);
        record.KeptUntil = null;
        await PersistAsync();
        await ArmDeadlinesAsync();
    }

    /// <summary>One-way word to the pool; safe to lose (the pool only uses it under pressure and for stopped containers).</summary>
    private Task TellPoolAsync(TenantClaimRecord record, ClaimMode mode)
    {
        if (record.MemberId is { } memberId)
        {
            _ = GrainFactory.GetGrain<IWorkloadPoolGrain>(record.Workload).OnClaimModeChanged(TenantId, memberId, mode);
        }
        return Task.CompletedTask;
    }

    private void Publish(BerthEventType type, TenantClaimRecord record, string? reason) =>
        events.Publish(BerthEvents.Draft(type, TenantId, record.Workload, record.Container, reason,
            type is BerthEventType.Claimed or BerthEventType.Resumed ? record.Source : null));

    /// <summary>Arms one timer for the earliest time-driven step of any claim (and a reminder, so a new activation picks them up).</summary>
    private async Task ArmDeadlinesAsync()
    {
        var next = TenantDeadlines.Earliest(state.State.Claims.Values, LastActivity, NextFileCheck);
        if (next is not { } at)
        {
            _deadlineTimer?.Dispose();
            _deadlineTimer = null;
            _deadlineAt = null;
            if (_lifecycleReminderRegistered && await this.GetReminder(LifecycleReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            _lifecycleReminderRegistered = false;
            return;
        }
        if (_deadlineAt != at)
        {
            _deadlineTimer?.Dispose();
            var due = at - Now;
            _deadlineTimer = this.RegisterGrainTimer(RunDueStepsAsync, new GrainTimerCreationOptions
            {
                DueTime = due < TimeSpan.Zero ? TimeSpan.Zero : due > MaxTimerDue ? MaxTimerDue : due,
                Period = Timeout.InfiniteTimeSpan,
                KeepAlive = true,
            });
            _deadlineAt = at;
        }
        if (!_lifecycleReminderRegistered)
        {
            await this.RegisterOrUpdateReminder(LifecycleReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            _lifecycleReminderRegistered = true;
        }
    }

    /// <summary>Grain timers cannot wait for ever; a far deadline is re-armed on the way.</summary>
    private static readonly TimeSpan MaxTimerDue = TimeSpan.FromHours(1);

    private async Task RunDueStepsAsync()
    {
        _deadlineAt = null;
        var now = Now;
        foreach (var record in state.State.Claims.Values.ToList())
        {
            var due = TenantDeadlines.Of(record, LastActivity, NextFileCheck(record.Workload))
                .Where(d => d.At <= now).OrderBy(d => d.Due).Select(d => d.Due).ToList();
            if (due.Count == 0) continue;
            try
            {
                await RunDueStepAsync(record, due[0]);
            }
            catch (Exception ex)
            {
                // Each step is retried at the next tick (the reminder's at the latest).
                logger.LogWarning("Tenant {Tenant}'s {Step} of {Workload} failed for now: {Error}", TenantId, due[0], record.Workload, ex.Message);
            }
        }
        await ArmDeadlinesAsync();
    }

    private async Task RunDueStepAsync(TenantClaimRecord record, LifecycleDue due)
    {
        switch (due)
        {
            case LifecycleDue.Expire:
                Publish(BerthEventType.Expired, record, record.ExpiryReason ?? "ttl");
                logger.LogInformation("Tenant {Tenant}'s claim on {Workload} reached its time limit ({Reason}); releasing it", TenantId, record.Workload, record.ExpiryReason);
                await Release(record.Workload, operationId: null);
                break;
            case LifecycleDue.Idle:
                await OnIdleAsync(record, $"no activity for pool.claim_idle_timeout ({record.Lifecycle!.IdleTimeout!.Value.TotalSeconds:0}s)");
                break;
            case LifecycleDue.FileCheck:
                var ttl = record.Lifecycle!.FileIdleTtl!.Value;
                var container = record.Container!;
                var files = await GrainFactory.GetGrain<IAgentHostGrain>(container.HostId).NewestFileChange(container.ContainerId, record.Lifecycle.StateTarget!);
                if (!files.Known)
                {
                    // The image has no find or stat: never idle by its files; looked at again in case that changes.
                    _fileChecks[record.Workload] = Now + ttl;
                    break;
                }
                var idleAt = TenantDeadlines.FileIdleAt(record, ttl, files.NewestChange);
                if (idleAt <= Now)
                {
                    _fileChecks.Remove(record.Workload);
                    await OnIdleAsync(record, $"no file changed under {record.Lifecycle.StateTarget} for pool.file_idle_ttl ({ttl.TotalSeconds:0}s)");
                }
                else
                {
                    _fileChecks[record.Workload] = idleAt;
                }
                break;
            case LifecycleDue.PauseOver:
                Publish(BerthEventType.Expired, record, "pool.pause_timeout");
                await ReleaseAsync(record.Workload, operationId: null, mayKeep: false);
                break;
            case LifecycleDue.KeptOver:
                await DropKeptAsync(record, "pool.keep_released is over");
                break;
        }
    }

    private async Task OnIdleAsync(TenantClaimRecord record, string why)
    {
        if (record.Lifecycle?.OnIdle == IdleAction.Pause)
        {
            await PauseAsync(record, $"idle: {why}");
            return;
        }
        Publish(BerthEventType.Expired, record, $"idle: {why}");
        await Release(record.Workload, operationId: null);
    }
}
