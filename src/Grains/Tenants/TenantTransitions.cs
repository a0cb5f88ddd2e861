using Berth.Contracts;
using S = Berth.Contracts.TenantClaimState;
using E = Berth.Tenants.TenantClaimEvent;

namespace Berth.Tenants;

/// <summary>One legal move of a claim: where it leads, and the step the tenant grain runs for it.</summary>
public sealed record TenantTransition(S From, E Event, S To, string Step);

/// <summary>
/// Every legal move of a tenant's claim, in one table: state × event → state, with the step the
/// grain runs. The grain applies events only through it, so a move the table does not hold is a
/// bug that fails loudly, and an operator's request that the table refuses (pause a released
/// claim) is a 409 that names the state.
/// </summary>
public static class TenantTransitions
{
    /// <summary>States a new claim may start from (a record that is not held).</summary>
    private static readonly S[] Claimable = [S.Released, S.Failed, S.Lost];

    public static IReadOnlyList<TenantTransition> All { get; } = Build(
        (Claimable, E.CreateCold, S.Claiming, "create a member on a host now (no idle one)"),
        ([.. Claimable, S.Claiming], E.Restore, S.Restoring, "write the newest snapshot and the secrets into the container"),
        ([.. Claimable, S.Claiming, S.Restoring], E.Ready, S.Claimed, "record the owner with the pool, start periodic sync, publish claimed"),
        ([.. Claimable, S.Claiming, S.Restoring], E.ClaimFailed, S.Failed, "give the member up to the pool, publish failed"),
        ([S.Claimed, S.Lost, S.Failed, S.Paused, S.Stopped, S.Saving, S.Releasing], E.Release, S.Releasing, "record the release, then save and destroy"),
        ([S.Releasing, S.Saving], E.Save, S.Saving, "snapshot the synced paths into the sink"),
        ([S.Releasing, S.Saving], E.Saved, S.Releasing, "tell the pool the release begins, destroy the container"),
        ([S.Releasing], E.RetryLater, S.Releasing, "retry with backoff (timer, and a reminder across activations)"),
        ([S.Saving], E.RetryLater, S.Saving, "stop the container, retry the save with backoff"),
        ([S.Releasing], E.Finished, S.Released, "forget the container, publish released"),
        ([S.Releasing], E.Kept, S.Released, "pause the saved container and keep it for this tenant until pool.keep_released"),
        ([S.Saving], E.SaveRefused, S.Claimed, "keep the running container, show why it cannot be saved"),
        ([S.Saving, S.Releasing], E.ReleaseFailed, S.Failed, "keep the container (stopped), wait for a new or forced release"),
        ([S.Claimed, S.Paused, S.Stopped, S.Lost], E.Lose, S.Lost, "remember when and whether its host is down; the next claim saves what it can"),
        ([S.Claimed], E.Pause, S.Paused, "docker pause; tell the pool it may be evicted under pressure"),
        ([S.Paused, S.Released], E.Resume, S.Claimed, "docker unpause, no restore; publish resumed"),
        ([S.Claimed, S.Paused], E.Stop, S.Stopped, "docker stop, keeping the container and its volume"),
        ([S.Stopped], E.Start, S.Claimed, "docker start, wait until it serves, read its new endpoints"));

    private static readonly Dictionary<(S, E), TenantTransition> ByMove = All.ToDictionary(t => (t.From, t.Event));

    private static TenantTransition[] Build(params (S[] From, E Event, S To, string Step)[] rows) =>
        [.. rows.SelectMany(r => r.From.Select(from => new TenantTransition(from, r.Event, r.To, r.Step)))];

    public static TenantTransition? Find(S from, E @event) => ByMove.GetValueOrDefault((from, @event));

    public static bool Allows(S from, E @event) => ByMove.ContainsKey((from, @event));

    /// <summary>The states an event may happen in, for error messages.</summary>
    public static IEnumerable<S> From(E @event) => All.Where(t => t.Event == @event).Select(t => t.From);

    /// <summary>The table's move, or an exception: the grain asked for a move that is not in the table.</summary>
    public static TenantTransition Require(S from, E @event) =>
        Find(from, @event) ?? throw new InvalidOperationException($"no transition for {@event} from {from}; the table allows it from {string.Join(", ", From(@event))}");
}
