using Berth.Configuration;
using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;
using Berth.State;
using Microsoft.Extensions.DependencyInjection;

namespace Berth.Operations;

/// <summary>
/// Tracks one long change (see <see cref="OperationBooks"/>). A timer reads its progress from the
/// grains that do the work (the host registry, the pool) and, for a provision, starts the next
/// claims; a reminder, kept while it runs, brings it back on another silo when its own is lost.
/// Each tick is short: a provision's claims are not awaited by the tick, so a read of the
/// operation never waits behind a claim.
/// </summary>
// The grain type is part of every stored state's key: fixed here, so renaming the class keeps its state.
[GrainType("operation")]
public sealed class OperationGrain(
    [PersistentState("operation", StorageNames.Berth)] IPersistentState<OperationGrainState> state,
    ILogger<OperationGrain> logger,
    [FromKeyedServices(BerthClock.Key)] TimeProvider clock) : Grain, IOperationGrain, IRemindable
{
    private const string AdvanceReminder = "operation-advance";
    /// <summary>Claims a provision keeps in flight at once: bounded, so a long list never floods a pool.</summary>
    public const int ProvisionConcurrency = 4;
    private const int MaxClaimAttempts = 3;
    private static readonly TimeSpan TickPeriod = TimeSpan.FromSeconds(1);

    private OperationBooks _books = null!;
    private IGrainTimer? _ticker;
    /// <summary>Set by the continuations of claims in flight; written at the next tick.</summary>
    private bool _dirty;

    private DateTimeOffset Now => clock.GetUtcNow();
    private string Id => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _books = new OperationBooks(state.State);
        if (_books.Started && !_books.Finished)
        {
            logger.LogInformation("Operation {Operation} ({Kind} of {Target}) resumes, {State} at {Done} of {Total}",
                Id, _books.Record.Kind, _books.Record.Target, _books.Record.State, _books.Record.Done, _books.Record.Total);
            StartTicking();
        }
        return Task.CompletedTask;
    }

    public async Task<OperationRecord> Start(OperationPlan plan)
    {
        if (_books.Started)
        {
            // A retried start: the index may not have heard of it the first time.
            await GrainFactory.GetGrain<IOperationIndexGrain>(0).Record(_books.Record);
            return _books.Record;
        }
        if (plan.Id != Id) throw BerthException.Invalid("id", $"the plan is for '{plan.Id}', not '{Id}'");
        _books.Start(plan, Now);
        await PersistAsync();
        await this.RegisterOrUpdateReminder(AdvanceReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await GrainFactory.GetGrain<IOperationIndexGrain>(0).Record(_books.Record);
        logger.LogInformation("Operation {Operation} started: {Kind} of {Target} by {By}", Id, plan.Kind, plan.Target, plan.StartedBy);
        StartTicking();
        await AdvanceAsync();
        return _books.Record;
    }

    public Task<OperationRecord?> Get() => Task.FromResult(_books.Started ? _books.Record : null);

    public async Task<OperationRecord> Cancel()
    {
        if (!_books.Started) throw BerthException.NotFound($"operation '{Id}' does not exist");
        if (_books.Apply(OperationEvent.Cancel, Now, "cancelling"))
        {
            await PersistAsync();
            logger.LogInformation("Operation {Operation} is cancelling", Id);
            await AdvanceAsync();
        }
        return _books.Record;
    }

    public Task Wake() => Task.CompletedTask;

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        // The reminder's only job is to have activated this grain (OnActivateAsync resumes the timer); one left after the end goes.
        _books.Finished ? ForgetReminderAsync() : Task.CompletedTask;

    private void StartTicking() =>
        _ticker ??= this.RegisterGrainTimer(_ => AdvanceAsync(), new GrainTimerCreationOptions { DueTime = TickPeriod, Period = TickPeriod, KeepAlive = true });

    private async Task AdvanceAsync()
    {
        if (!_books.Started || _books.Finished) return;
        var before = _books.Record;
        try
        {
            if (before.State == OperationState.Cancelling) await UndoAsync();
            else await ObserveAsync();
        }
        catch (BerthException ex) when (ex.Kind != BerthErrorKind.Unavailable)
        {
            // The work cannot go on (the host removed, a rollback refused): failed, saying why.
            _books.AddError(_books.Record.Target, ex.Message, Now);
            _books.Apply(OperationEvent.Fail, Now, ex.Message);
        }
        catch (Exception ex) when (ex is BerthException or OrleansException or TimeoutException)
        {
            // A silo failing over or a host not answering: the next tick asks again.
            logger.LogInformation("Operation {Operation} could not advance this time: {Error}", Id, ex.Message);
        }
        if (_books.Record.Version == before.Version && !_dirty) return;
        _dirty = false;
        await PersistAsync();
        if (_books.Record.State != before.State) await OnStateChangedAsync();
    }

    private Task ObserveAsync() => _books.Record.Kind switch
    {
        OperationKind.Drain => ObserveDrainAsync(),
        OperationKind.Rollout => ObserveRolloutAsync(),
        OperationKind.Resize => ObserveResizeAsync(),
        _ => AdvanceProvisionAsync(),
    };

    private async Task ObserveDrainAsync()
    {
        var hostId = _books.Plan.Target;
        var host = await GrainFactory.GetGrain<IHostRegistryGrain>(0).Get(hostId);
        if (host is null || host.State == HostState.Removed) throw BerthException.Conflict($"host '{hostId}' was removed");
        if (host.Drain is not { } drain || drain.OperationId != Id)
        {
            throw BerthException.Conflict($"host '{hostId}' is no longer draining under this operation (it is {Lower(host.State)})");
        }
        var message = $"{drain.Done} of {drain.Total} containers gone from host {hostId}" + (host.State == HostState.Down ? " (the host is down)" : "");
        _books.Progress(drain.Done, drain.Total, message, Now);
        if (drain.CompletedAt is not null) _books.Apply(OperationEvent.Complete, Now, $"host {hostId} is empty ({drain.Total} containers gone)");
    }

    private async Task ObserveRolloutAsync()
    {
        var plan = _books.Plan;
        var view = await CurrentPoolAsync();
        if (view.SpecVersion != plan.Version)
        {
            throw BerthException.Conflict($"workload '{plan.Target}' was changed again (now version {view.SpecVersion}); a later rollout follows it");
        }
        var older = view.Members.Where(m => m.SpecVersion != plan.Version).ToList();
        var remaining = older.Count(m => m.TenantId is null && m.State != PoolMemberState.Claimed && m.State != PoolMemberState.Lost);
        var claimed = older.Count - remaining;
        var total = Math.Max(_books.Record.Total, remaining + _books.Record.Done);
        var done = total - remaining;
        var message = $"{done} of {total} older-spec members replaced" +
            (claimed > 0 ? $"; {claimed} claimed containers stay on the older spec until their tenants release them" : "");
        _books.Progress(done, total, message, Now);
        if (remaining == 0) _books.Apply(OperationEvent.Complete, Now, message);
    }

    private async Task ObserveResizeAsync()
    {
        var plan = _books.Plan;
        var view = await CurrentPoolAsync();
        if (view.MinSize != plan.MinSize || view.MaxSize != plan.MaxSize)
        {
            throw BerthException.Conflict($"the pool of '{plan.Target}' was resized again (now min {view.MinSize}, max {view.MaxSize})");
        }
        var min = plan.MinSize ?? 0;
        var idle = view.Members.Count(m => m.State == PoolMemberState.Idle && m.SpecVersion == view.SpecVersion);
        var done = Math.Min(idle, min);
        var message = $"{idle} idle members toward the new min_size {min} (max_size {plan.MaxSize})";
        _books.Progress(done, min, message, Now);
        if (idle >= min) _books.Apply(OperationEvent.Complete, Now, message);
    }

    /// <summary>The pool of the target workload as it is now; a 409 when the workload was deleted meanwhile.</summary>
    private async Task<PoolView> CurrentPoolAsync()
    {
        var workload = _books.Plan.Target;
        if (await GrainFactory.GetGrain<IWorkloadCatalogGrain>(0).Get(workload) is null)
        {
            throw BerthException.Conflict($"workload '{workload}' was deleted");
        }
        return await GrainFactory.GetGrain<IWorkloadPoolGrain>(workload).GetView();
    }

    private Task AdvanceProvisionAsync()
    {
        var workload = _books.Plan.Target;
        foreach (var tenant in _books.NextClaims(ProvisionConcurrency))
        {
            // Not awaited: the claim's continuation runs on this activation later, between its turns.
            _ = ClaimAsync(tenant, workload);
        }
        var (done, total, message, end) = _books.ProvisionProgress();
        _books.Progress(done, total, message, Now);
        if (end is { } e) _books.Apply(e, Now, message);
        return Task.CompletedTask;
    }

    private async Task ClaimAsync(string tenant, string workload)
    {
        try
        {
            // Idempotent by (tenant, workload): a claim repeated by a successor activation gets the same container.
            await GrainFactory.GetGrain<ITenantGrain>(tenant).Claim(workload, null);
            _books.Claimed(tenant);
        }
        catch (BerthException ex)
        {
            _books.ClaimFailed(tenant, ex.Message, retry: ex.Kind == BerthErrorKind.Unavailable, MaxClaimAttempts, Now);
        }
        catch (Exception ex)
        {
            _books.ClaimFailed(tenant, ex.Message, retry: true, MaxClaimAttempts, Now);
        }
        _dirty = true;
    }

    /// <summary>A cancel's undo: what the operation changed comes back, as far as it can.</summary>
    private async Task UndoAsync()
    {
        var plan = _books.Plan;
        var catalog = GrainFactory.GetGrain<IWorkloadCatalogGrain>(0);
        switch (plan.Kind)
        {
            case OperationKind.Drain:
                var registry = GrainFactory.GetGrain<IHostRegistryGrain>(0);
                if (await registry.Get(plan.Target) is { State: HostState.Draining or HostState.Down, Drain.OperationId: var owner } && owner == Id)
                {
                    await registry.Cordon(plan.Target);
                }
                _books.Apply(OperationEvent.Undone, Now, $"the drain stopped at {_books.Record.Done} of {_books.Record.Total}; host {plan.Target} stays cordoned");
                break;
            case OperationKind.Rollout:
                // The stored spec has its sink keys sealed already; forced, since it was registered before.
                var (record, _) = await catalog.Upsert(plan.PreviousSpec!, force: true);
                _books.Apply(OperationEvent.Undone, Now, $"rolled back to version {record.Version}; its members replace the new spec's in turn");
                break;
            case OperationKind.Resize:
                var current = await catalog.Get(plan.Target) ?? throw BerthException.Conflict($"workload '{plan.Target}' was deleted");
                var previous = plan.PreviousSpec!.Pool;
                await catalog.Upsert(current.Spec with { Pool = current.Spec.Pool with { MinSize = previous.MinSize, MaxSize = previous.MaxSize } });
                _books.Apply(OperationEvent.Undone, Now, $"the previous sizes are back (min {previous.MinSize}, max {previous.MaxSize})");
                break;
            default:
                // No further claims; those in flight finish, and the claims made stay.
                var (_, _, message, _) = _books.ProvisionProgress();
                _books.Progress(_books.Record.Done, _books.Record.Total, message, Now);
                if (_books.InFlight == 0) _books.Apply(OperationEvent.Undone, Now, $"cancelled: {message}; the claims made stay");
                break;
        }
    }

    private async Task OnStateChangedAsync()
    {
        var record = _books.Record;
        try
        {
            await GrainFactory.GetGrain<IOperationIndexGrain>(0).Record(record);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            logger.LogWarning("Operation {Operation} could not tell the index it is {State}: {Error}", Id, record.State, ex.Message);
        }
        if (!record.Finished) return;
        logger.LogInformation("Operation {Operation} ({Kind} of {Target}) {State}: {Message}", Id, record.Kind, record.Target, record.State, record.Message);
        _ticker?.Dispose();
        _ticker = null;
        await ForgetReminderAsync();
    }

    private async Task ForgetReminderAsync()
    {
        if (await this.GetReminder(AdvanceReminder) is { } reminder) await this.UnregisterReminder(reminder);
    }

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    /// <summary>See <see cref="PersistentStateWrites.WriteOrDeactivateAsync{T}"/>.</summary>
    private Task PersistAsync() => state.WriteOrDeactivateAsync(this);
}
