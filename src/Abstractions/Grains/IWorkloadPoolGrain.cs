using Berth.Contracts;
using Berth.Specs;

namespace Berth.Grains;

/// <summary>
/// The warm pool of one workload (key: workload id). It only keeps books: every Docker call is made
/// by a host grain or by the claiming tenant, so a claim never waits behind Docker here.
/// </summary>
[Alias("Berth.Grains.IWorkloadPoolGrain")]
public interface IWorkloadPoolGrain : IGrainWithStringKey
{
    [Alias("Configure")]
    Task Configure(WorkloadSpec spec, string version);

    /// <summary>Reserves a member for the tenant, durably, before answering (same answer on retry).</summary>
    [Alias("Claim")]
    Task<PoolClaimTicket> Claim(string tenantId);

    /// <summary>A claim in line gives up (its deadline passed); a member reserved for it meanwhile is returned, not lost.</summary>
    [Alias("LeaveLine")]
    Task<PoolClaimTicket?> LeaveLine(string tenantId);

    /// <summary>The tenant created its cold member; records the container and returns the claim.</summary>
    [Alias("CompleteColdClaim")]
    Task<RunningContainer> CompleteColdClaim(string tenantId, string memberId, RunningContainer container);

    /// <summary>
    /// The member's owner record is written (its owner grain tells, after the tenant recorded the claim): the pool's stored books forget the
    /// handoff. Until then the claim audit asks the tenant about it.
    /// </summary>
    [OneWay]
    [Alias("ConfirmClaim")]
    Task ConfirmClaim(string tenantId, string memberId);

    /// <summary>
    /// The tenant's claim failed or was interrupted: its member (being created, or never confirmed) is
    /// destroyed. <paramref name="container"/> is what the tenant knows of it, for a pool that restarted since.
    /// </summary>
    [Alias("AbandonClaim")]
    Task AbandonClaim(string tenantId, string memberId, string reason, RunningContainer? container);

    /// <summary>
    /// The tenant paused, kept, stopped or resumed its claimed container. Parked ones are what the
    /// pool reclaims under pressure (<see cref="ITenantGrain.YieldParked"/>); stopped ones are not lost.
    /// </summary>
    [OneWay]
    [Alias("OnClaimModeChanged")]
    Task OnClaimModeChanged(string tenantId, string memberId, ClaimMode mode);

    /// <summary>Recorded before the tenant removes its container: the member is never handed back.</summary>
    [Alias("BeginRelease")]
    Task BeginRelease(string tenantId, string memberId, RunningContainer? container);

    /// <summary>The tenant destroyed its member's container; the member leaves the pool, which refills.</summary>
    [Alias("CompleteRelease")]
    Task CompleteRelease(string tenantId, string memberId);

    /// <summary>True when no tenant holds a member; then the pool drains itself and stops refilling.</summary>
    [Alias("TryRetire")]
    Task<bool> TryRetire();

    /// <summary>The tenants holding (or being handed, or waiting on a create of) a member: whom a forced delete releases.</summary>
    /// <summary>
    /// Retires the pool even while tenants hold members: no new claim, no refill, idle members go;
    /// held ones stay until released. True once nothing is held (the workload can then be deleted).
    /// </summary>
    [Alias("Retire")]
    Task<bool> Retire();

    [Alias("ClaimHolders")]
    Task<string[]> ClaimHolders();

    [Alias("GetView")]
    Task<PoolView> GetView();

    [OneWay]
    [Alias("OnMemberCreated")]
    Task OnMemberCreated(string memberId, RunningContainer container);

    [OneWay]
    [Alias("OnMemberCreateFailed")]
    Task OnMemberCreateFailed(string memberId, string error);

    [OneWay]
    [Alias("OnMemberDestroyed")]
    Task OnMemberDestroyed(string memberId);

    /// <summary>The answer of a member's owner record (see <see cref="IMemberOwnerGrain.ReportToPool"/>); null when nobody holds it.</summary>
    [OneWay]
    [Alias("OnOwnerReported")]
    Task OnOwnerReported(string memberId, MemberOwner? owner);

    /// <summary>The tenant saved a stranded container's state (see ITenantGrain.RecoverContainer): the pool removes it.</summary>
    [OneWay]
    [Alias("OnContainerRecovered")]
    Task OnContainerRecovered(string memberId, RunningContainer container);

    /// <summary>A host's periodic report: its availability and this workload's containers on it.</summary>
    [OneWay]
    [Alias("ObserveHost")]
    Task ObserveHost(HostReport report);
}
