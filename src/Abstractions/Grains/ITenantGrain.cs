using Orleans.Concurrency;
using Berth.Contracts;

namespace Berth.Grains;

/// <summary>One tenant (key: tenant id): the claim and release lifecycle of its containers, one per workload.</summary>
[Alias("Berth.Grains.ITenantGrain")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>
    /// Idempotent: claiming a workload the tenant already holds returns the same container. A cold
    /// claim waits for its container to be healthy; a caller that times out first simply calls
    /// again and gets the same container once it is ready.
    /// </summary>
    /// <remarks>
    /// A retry carrying the <paramref name="operationId"/> of a claim that failed meanwhile gets
    /// that claim's error, not a second attempt: a caller whose first call timed out learns why.
    /// </remarks>
    /// <remarks>
    /// <paramref name="ttl"/> limits the claim (never past <c>pool.max_claim_duration</c>): at its end the
    /// claim is released with its state saved. A claim of a paused, kept or stopped container of the
    /// tenant's hands it back as it was (source resumed), with no restore.
    /// </remarks>
    [Alias("Claim")]
    Task<TenantClaimView> Claim(string workload, string? operationId, TimeSpan? ttl = null);

    /// <summary>
    /// The pool reserved a member for this tenant's claim in line. Interleaves with the waiting
    /// claim, which only wakes up and asks the pool again.
    /// </summary>
    [AlwaysInterleave, OneWay]
    [Alias("OnMemberReserved")]
    Task OnMemberReserved(string workload);

    /// <summary>
    /// Destroys the tenant's container of <paramref name="workload"/> (or its only one when null).
    /// A call repeating a recent <paramref name="operationId"/> (a retry that outlived its first
    /// attempt) changes nothing, so it can never release a claim made after that release.
    /// </summary>
    [Alias("Release")]
    Task<TenantClaimView> Release(string? workload, string? operationId);

    /// <summary>Interleaves: a status read never waits behind a long save or create.</summary>
    [AlwaysInterleave]
    [Alias("GetStatus")]
    Task<TenantStatus> GetStatus();

    /// <summary>Freezes the claimed container (docker pause); it stays the tenant's alone. Idempotent; 409 unless claimed or paused.</summary>
    [Alias("Pause")]
    Task<TenantClaimView> Pause(string? workload);

    /// <summary>Unpauses the tenant's paused container, with no restore (source resumed). Idempotent; 409 unless paused or claimed.</summary>
    [Alias("Resume")]
    Task<TenantClaimView> Resume(string? workload);

    /// <summary>Stops the claimed container, keeping it and its volume. Idempotent; 409 unless claimed, paused or stopped.</summary>
    [ResponseTimeout("00:02:00")]
    [Alias("Stop")]
    Task<TenantClaimView> Stop(string? workload);

    /// <summary>Starts the tenant's stopped container again, with its files, and waits until it serves. Idempotent.</summary>
    [ResponseTimeout("00:05:00")]
    [Alias("Start")]
    Task<TenantClaimView> Start(string? workload);

    /// <summary>Sets the claim to end <paramref name="ttl"/> from now (never past pool.max_claim_duration: 409 naming ttl).</summary>
    [Alias("Extend")]
    Task<TenantClaimView> Extend(string? workload, TimeSpan ttl);

    /// <summary>
    /// The pool is full and this tenant's container of <paramref name="workload"/> is parked (paused or
    /// kept): its state is saved and the container destroyed, so that another tenant can have the room.
    /// </summary>
    [OneWay]
    [Alias("YieldParked")]
    Task YieldParked(string workload, string memberId);

    /// <summary>
    /// The tenant used its container (proxied traffic, exec, logs, files): remembered as its last
    /// activity, in memory (the gateway sends it at most every few seconds per tenant).
    /// </summary>
    [Alias("Touch"), OneWay, AlwaysInterleave]
    Task Touch();

    /// <summary>Stores a secret, encrypted; it reaches the tenant's containers at their next claim.</summary>
    [Alias("PutSecret")]
    Task PutSecret(string name, byte[] value);

    /// <summary>False when there was no such secret.</summary>
    [Alias("DeleteSecret")]
    Task<bool> DeleteSecret(string name);

    /// <summary>The names of the tenant's secrets (never their values).</summary>
    [AlwaysInterleave]
    [Alias("ListSecrets")]
    Task<string[]> ListSecrets();

    /// <summary>Destroys the container without saving its state (an admin's way out of a save that keeps failing).</summary>
    [ResponseTimeout("00:10:00")]
    [Alias("ForceRelease")]
    Task<TenantClaimView> ForceRelease(string? workload);

    /// <summary>
    /// Deletes every snapshot (kept and recovered) of the workload from its sinks and from the
    /// tenant's records; the workload is being deleted with <c>purge</c>. Refused (409) while the
    /// tenant holds a container of it. Answers how many snapshots went.
    /// </summary>
    [ResponseTimeout("00:10:00")]
    [Alias("PurgeSnapshots")]
    Task<int> PurgeSnapshots(string workload);

    /// <summary>Snapshots the claimed container's state now (sync.policy.manual).</summary>
    [ResponseTimeout("00:10:00")]
    [Alias("Sync")]
    Task<TenantClaimView> Sync(string? workload);

    /// <summary>
    /// The pool gave up the tenant's member: its container vanished or died (the claim turns Lost),
    /// or a claim that never completed passed its deadline (the claim turns Failed).
    /// </summary>
    /// <remarks>
    /// <paramref name="hostDownSince"/> is set when the member's whole host went down: its
    /// container cannot be read until the host returns, so a claim or release does not wait for it
    /// (the container is saved as a recovered snapshot if the host comes back).
    /// </remarks>
    [OneWay]
    [Alias("OnMemberLost")]
    Task OnMemberLost(string workload, string memberId, string reason, DateTimeOffset? hostDownSince = null);

    /// <summary>
    /// The member's host is drained with eviction: the tenant's claim is released (state saved) and
    /// claimed again, which places it on another host.
    /// </summary>
    [OneWay]
    [Alias("Evict")]
    Task Evict(string workload, string memberId, string reason);

    /// <summary>
    /// A container the tenant moved on from while its host was down is there again: its state is
    /// saved as a recovered snapshot (kept <c>Berth:RecoveredSnapshotRetention</c>, listed in the
    /// tenant's status), then the pool removes it.
    /// </summary>
    [OneWay]
    [Alias("RecoverContainer")]
    Task RecoverContainer(string workload, string memberId, RunningContainer container);

    /// <summary>
    /// The pool's word that a lost claim outlived <c>pool.lost_timeout</c>: the tenant releases it
    /// (saving what the stopped container still holds), so its container and slot are not kept forever.
    /// </summary>
    [OneWay]
    [Alias("ReleaseLost")]
    Task ReleaseLost(string workload, string memberId);

    /// <summary>The pool's periodic audit: a member it holds for this tenant that the tenant does not know is given up.</summary>
    [OneWay]
    [Alias("VerifyClaim")]
    Task VerifyClaim(string workload, string memberId);
}
