using Berth.Configuration;
using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;

namespace Berth.Tenants;

/// <summary>
/// One tenant's claims. Not reentrant, so concurrent claims of the same tenant run one after the
/// other and the second finds the first's container. The slow steps (creating a cold member,
/// removing a released one) are awaited here, in the tenant's own turn, never in the pool's.
/// A step is recorded before it starts; an activation that finds a step recorded but unfinished
/// knows its previous activation died in it, and finishes or fails it visibly.
/// </summary>
public sealed class TenantGrain(
    [PersistentState("tenant", StorageNames.Berth)] IPersistentState<TenantState> state,
    ILogger<TenantGrain> logger,
    TimeProvider clock) : Grain, ITenantGrain
{
    private string TenantId => this.GetPrimaryKeyString();
    private DateTimeOffset Now => clock.GetUtcNow();

    public override Task OnActivateAsync(CancellationToken cancellationToken) => RecoverInterruptedStepsAsync();

    public async Task<TenantClaimView> Claim(string workload)
    {
        if (state.State.Claims.TryGetValue(workload, out var existing) && existing.State == TenantClaimState.Claimed)
        {
            return existing.ToView(TenantId);
        }
        var record = existing ?? new TenantClaimRecord { Workload = workload };
        var pool = GrainFactory.GetGrain<IWorkloadPoolGrain>(workload);

        // A refused claim (unknown workload, pool at max_size) reserved nothing and leaves no trace.
        // A reservation this grain dies before recording is found by the pool's claim audit.
        var ticket = await pool.Claim(TenantId);

        state.State.Claims[workload] = record;
        record.MemberId = ticket.MemberId;
        record.Source = ticket.Source;
        if (ticket.Container is { } warm)
        {
            return await MarkClaimedAsync(record, warm);
        }

        record.MoveTo(TenantClaimState.Claiming, Now);
        await state.WriteStateAsync();
        RunningContainer container;
        try
        {
            container = await GrainFactory.GetGrain<IAgentHostGrain>(ticket.HostId).CreateMemberNow(ticket.CreateRequest!);
            container = await pool.CompleteColdClaim(TenantId, ticket.MemberId, container);
        }
        catch (Exception ex)
        {
            try
            {
                await pool.AbandonClaim(TenantId, ticket.MemberId, ex.Message);
            }
            catch (Exception abandonFailure)
            {
                // The pool's creation deadline or claim audit gives the member up instead.
                logger.LogWarning(abandonFailure, "Could not give up member {Member} of {Workload} after a failed claim", ticket.MemberId, workload);
            }
            ForgetContainer(record);
            record.MoveTo(TenantClaimState.Failed, Now, $"claim failed: {ex.Message}");
            await state.WriteStateAsync();
            logger.LogWarning("Cold claim of {Workload} for tenant {Tenant} failed: {Error}", workload, TenantId, ex.Message);
            throw;
        }
        return await MarkClaimedAsync(record, container);
    }

    private async Task<TenantClaimView> MarkClaimedAsync(TenantClaimRecord record, RunningContainer container)
    {
        record.Container = container;
        record.ClaimedAt = Now;
        record.MoveTo(TenantClaimState.Claimed, Now);
        await state.WriteStateAsync();
        logger.LogInformation("Tenant {Tenant} claimed {Workload}: container {ContainerId} on {Host} ({Source})",
            TenantId, record.Workload, container.ContainerId, container.HostId, record.Source);
        return record.ToView(TenantId);
    }

    public async Task<TenantClaimView> Release(string? workload)
    {
        var record = FindForRelease(workload);
        if (record.State == TenantClaimState.Released)
        {
            return record.ToView(TenantId);
        }
        record.MoveTo(TenantClaimState.Releasing, Now);
        await state.WriteStateAsync();
        try
        {
            await FinishReleaseAsync(record);
        }
        catch (Exception ex)
        {
            record.MoveTo(TenantClaimState.Failed, Now, $"release failed: {ex.Message}; retry the release");
            await state.WriteStateAsync();
            throw;
        }
        await state.WriteStateAsync();
        return record.ToView(TenantId);
    }

    /// <summary>Removes the container, then tells the pool; safe to repeat after a crash at any point.</summary>
    private async Task FinishReleaseAsync(TenantClaimRecord record)
    {
        if (record.MemberId is { } memberId)
        {
            var pool = GrainFactory.GetGrain<IWorkloadPoolGrain>(record.Workload);
            // The pool records the release first, so the member can never be handed back meanwhile.
            await pool.BeginRelease(TenantId, memberId);
            if (record.Container is { } container)
            {
                await GrainFactory.GetGrain<IAgentHostGrain>(container.HostId).DestroyContainer(container.ContainerId);
            }
            await pool.CompleteRelease(TenantId, memberId);
        }
        logger.LogInformation("Tenant {Tenant} released {Workload} (container {ContainerId})", TenantId, record.Workload, record.Container?.ContainerId ?? "none");
        ForgetContainer(record);
        record.MoveTo(TenantClaimState.Released, Now);
    }

    private static void ForgetContainer(TenantClaimRecord record)
    {
        record.MemberId = null;
        record.Container = null;
        record.ClaimedAt = null;
        record.Source = null;
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
        [.. state.State.Claims.Values.OrderBy(c => c.Workload, StringComparer.Ordinal).Select(c => c.ToView(TenantId))]));

    public async Task OnMemberLost(string workload, string memberId, string reason)
    {
        if (!state.State.Claims.TryGetValue(workload, out var record) || record.MemberId != memberId)
        {
            return;
        }
        var containerId = record.Container?.ContainerId;
        switch (record.State)
        {
            case TenantClaimState.Claimed:
                record.MoveTo(TenantClaimState.Lost, Now, $"container {containerId} was lost: {reason}; claim again for a fresh one");
                break;
            case TenantClaimState.Claiming:
                ForgetContainer(record);
                record.MoveTo(TenantClaimState.Failed, Now, $"claim failed: {reason}; claim again");
                break;
            case TenantClaimState.Releasing:
                // The pool finished a release this grain started and could not complete.
                ForgetContainer(record);
                record.MoveTo(TenantClaimState.Released, Now);
                break;
            default:
                return;
        }
        logger.LogWarning("Tenant {Tenant}'s claim on {Workload} is {State}: {Reason} (container {ContainerId})",
            TenantId, workload, record.State, reason, containerId ?? "none");
        await state.WriteStateAsync();
    }

    public async Task VerifyClaim(string workload, string memberId)
    {
        if (state.State.Claims.TryGetValue(workload, out var record) && record.MemberId == memberId)
        {
            return;
        }
        logger.LogWarning("Tenant {Tenant} does not hold member {Member} of {Workload} that the pool reserved for it; giving it up", TenantId, memberId, workload);
        await GrainFactory.GetGrain<IWorkloadPoolGrain>(workload).AbandonClaim(TenantId, memberId, "the tenant never recorded the claim");
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
                        await GrainFactory.GetGrain<IWorkloadPoolGrain>(record.Workload).AbandonClaim(TenantId, memberId, "the claim was interrupted");
                    }
                    ForgetContainer(record);
                    record.MoveTo(TenantClaimState.Failed, Now, "the claim was interrupted by a silo failure; claim again");
                }
                else
                {
                    await FinishReleaseAsync(record);
                }
            }
            catch (Exception ex)
            {
                record.MoveTo(TenantClaimState.Failed, Now, $"recovering the interrupted {record.State} failed: {ex.Message}; retry");
            }
        }
        if (interrupted.Count > 0)
        {
            await state.WriteStateAsync();
        }
    }
}
