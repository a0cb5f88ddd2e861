using Berth.Configuration;
using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;

namespace Berth.Tenants;

/// <summary>
/// One tenant's claims. Not reentrant, so concurrent claims of the same tenant run one after the
/// other and the second finds the first's container. The slow steps (creating a cold member,
/// removing a released one) are awaited here, in the tenant's own turn, never in the pool's.
/// </summary>
public sealed class TenantGrain(
    [PersistentState("tenant", StorageNames.Berth)] IPersistentState<TenantState> state,
    ILogger<TenantGrain> logger,
    TimeProvider clock) : Grain, ITenantGrain
{
    private string TenantId => this.GetPrimaryKeyString();
    private DateTimeOffset Now => clock.GetUtcNow();

    public async Task<TenantClaimView> Claim(string workload)
    {
        if (state.State.Claims.TryGetValue(workload, out var existing) && existing.State == TenantClaimState.Claimed)
        {
            return existing.ToView(TenantId);
        }
        var record = existing ?? new TenantClaimRecord { Workload = workload };
        var pool = GrainFactory.GetGrain<IWorkloadPoolGrain>(workload);

        // A refused claim (unknown workload, pool at max_size) reserved nothing and leaves no trace.
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
            await pool.AbandonColdClaim(TenantId, ticket.MemberId, ex.Message);
            record.MemberId = null;
            record.Container = null;
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

        if (record.MemberId is { } memberId)
        {
            try
            {
                if (record.Container is { } container)
                {
                    await GrainFactory.GetGrain<IAgentHostGrain>(container.HostId).DestroyContainer(container.ContainerId);
                }
                await GrainFactory.GetGrain<IWorkloadPoolGrain>(record.Workload).CompleteRelease(TenantId, memberId);
            }
            catch (Exception ex)
            {
                record.MoveTo(TenantClaimState.Failed, Now, $"release failed: {ex.Message}; retry the release");
                await state.WriteStateAsync();
                throw;
            }
        }
        logger.LogInformation("Tenant {Tenant} released {Workload} (container {ContainerId})", TenantId, record.Workload, record.Container?.ContainerId ?? "none");
        record.MemberId = null;
        record.Container = null;
        record.ClaimedAt = null;
        record.Source = null;
        record.MoveTo(TenantClaimState.Released, Now);
        await state.WriteStateAsync();
        return record.ToView(TenantId);
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
}
