using Berth.Contracts;
using Berth.Errors;

namespace Berth.Tenants;

/// <summary>A deleted workload's snapshots leave with it (<c>DELETE /workloads/{id}?purge=true</c>).</summary>
public sealed partial class TenantGrain
{
    public async Task<int> PurgeSnapshots(string workload)
    {
        if (state.State.Claims.TryGetValue(workload, out var record) && record.State != TenantClaimState.Released)
        {
            throw BerthException.Conflict($"tenant '{TenantId}' holds a container of '{workload}' ({record.State.ToString().ToLowerInvariant()}); release it before purging its snapshots");
        }
        return await Snapshots.PurgeAsync(workload);
    }
}
