using Berth.Specs;

namespace Berth.Contracts;

/// <summary>
/// The pool's answer to a claim: either a running member already reserved for the tenant (warm),
/// or a member id reserved for the tenant that the tenant must now have created (cold).
/// Either way the choice is recorded in pool state before this is returned.
/// </summary>
[GenerateSerializer, Alias("Berth.Contracts.PoolClaimTicket"), Immutable]
public sealed record PoolClaimTicket(
    [property: Id(0)] string MemberId,
    [property: Id(1)] string HostId,
    [property: Id(2)] ClaimSource Source,
    [property: Id(3)] RunningContainer? Container,
    [property: Id(4)] MemberCreateRequest? CreateRequest,
    /// <summary>The workload's spec: where its state lives and how it is synced.</summary>
    [property: Id(5)] WorkloadSpec Spec,
    /// <summary>
    /// No member yet: the claim is in line for the next one that becomes ready. The tenant asks
    /// again (it is told when one is reserved for it) until <c>pool.claim_wait</c> runs out.
    /// </summary>
    [property: Id(6)] bool Waiting = false)
{
    public static PoolClaimTicket InLine(WorkloadSpec spec) => new("", "", ClaimSource.Queued, null, null, spec, Waiting: true);
}
