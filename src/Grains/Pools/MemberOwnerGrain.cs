using Berth.Configuration;
using Berth.Contracts;
using Berth.Grains;
using Berth.State;

namespace Berth.Pools;

/// <summary>
/// One claimed member's owner. Read rarely (only by a pool that does not know a container), so
/// each activation goes away as soon as it has answered: a hundred thousand claims cost storage
/// rows, not silo memory.
/// </summary>
[GrainType("memberowner")]
public sealed class MemberOwnerGrain(
    [PersistentState("owner", StorageNames.Berth)] IPersistentState<MemberOwnerState> state) : Grain, IMemberOwnerGrain
{
    private string Key => this.GetPrimaryKeyString();

    public async Task Record(MemberOwner owner)
    {
        if (state.State.Owner != owner)
        {
            state.State.Owner = owner;
            await state.WriteOrDeactivateAsync(this);
        }
        DeactivateOnIdle();
        var slash = Key.LastIndexOf('/');
        // Only once the record is durable: a pool that restarts then still learns whose the container is.
        _ = GrainFactory.GetGrain<IWorkloadPoolGrain>(Key[..slash]).ConfirmClaim(owner.TenantId, Key[(slash + 1)..]);
    }

    public async Task Strand(MemberOwner owner)
    {
        if (state.State.Owner != owner)
        {
            state.State.Owner = owner;
            await state.WriteOrDeactivateAsync(this);
        }
        DeactivateOnIdle();
    }

    public async Task Clear(string tenantId, bool recovered = false)
    {
        if (state.State.Owner is { } owner && owner.TenantId == tenantId && (owner.StrandedSince is null || recovered))
        {
            state.State.Owner = null;
            await state.ClearStateAsync();
        }
        DeactivateOnIdle();
    }

    public Task ReportToPool()
    {
        var slash = Key.LastIndexOf('/');
        DeactivateOnIdle();
        return GrainFactory.GetGrain<IWorkloadPoolGrain>(Key[..slash]).OnOwnerReported(Key[(slash + 1)..], state.State.Owner);
    }

    public Task<MemberOwner?> Get()
    {
        DeactivateOnIdle();
        return Task.FromResult(state.State.Owner);
    }
}
