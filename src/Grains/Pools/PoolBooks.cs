using Berth.Contracts;
using Berth.Specs;

namespace Berth.Pools;

/// <summary>
/// The bookkeeping of one pool, without Orleans, storage or timers: which members it keeps, which
/// it handed out, how many containers each host runs for it, what a host report changes. The
/// stored part (<see cref="PoolState"/>) holds only members the pool keeps and claims in flight,
/// so a claim writes a few hundred bytes whatever the number of tenants; claims confirmed by
/// their tenants are counted per host and remembered in memory (<see cref="ClaimIndex"/>).
/// </summary>
public sealed class PoolBooks
{
    /// <summary>Idle and removed members missing from consecutive host reports; two in a row mean the container is gone.</summary>
    private readonly Dictionary<string, int> _misses = new(StringComparer.Ordinal);

    /// <summary>
    /// Members these books removed lately, newest last: a container still listed under one (a
    /// failed create the engine could not remove, a listing taken just before a removal) is a
    /// leftover, neither claimed nor in need of an owner lookup. Bounded; one that has fallen off
    /// is treated as unknown, which is slower but still safe.
    /// </summary>
    private readonly HashSet<string> _ended = new(StringComparer.Ordinal);
    private readonly Queue<string> _endedOrder = new();
    public const int EndedRemembered = 10_000;

    public PoolBooks(PoolState state)
    {
        State = state;
        foreach (var stored in state.Members.Values.Where(m => m.State is PoolMemberState.Claimed or PoolMemberState.Lost).ToList())
        {
            // Stored before claims moved to their tenants: a claim the tenant has not confirmed yet,
            // as far as these books know. The claim audit asks the tenant, which confirms or gives it up.
            state.Members.Remove(stored.MemberId);
            if (stored.TenantId is null || stored.Container is null) continue;
            state.Handoffs[stored.MemberId] = new PoolHandoff
            {
                MemberId = stored.MemberId,
                TenantId = stored.TenantId,
                Container = stored.Container,
                Source = stored.Source ?? ClaimSource.Warm,
                ReservedAt = stored.StateSince,
                SpecVersion = stored.SpecVersion,
                CreatedAt = stored.CreatedAt,
            };
            state.ClaimedByHost[stored.HostId] = state.ClaimedByHost.GetValueOrDefault(stored.HostId) + 1;
        }
        foreach (var handoff in state.Handoffs.Values)
        {
            Claims.Add(ToClaim(handoff));
        }
    }

    public PoolState State { get; }
    public ClaimIndex Claims { get; } = new();
    public IEnumerable<PoolMember> Members => State.Members.Values;
    public IEnumerable<PoolHandoff> Handoffs => State.Handoffs.Values;
    public int ClaimedTotal => State.ClaimedByHost.Values.Sum();
    /// <summary>Every container the pool answers for, against max_size.</summary>
    public int Total => State.Members.Count + ClaimedTotal;
    public int ClaimedOn(string hostId) => State.ClaimedByHost.GetValueOrDefault(hostId);

    public PoolMember? Member(string memberId) => State.Members.GetValueOrDefault(memberId);

    public PoolMember NewMember(string hostId, string? tenantId, DateTimeOffset now)
    {
        var member = new PoolMember
        {
            MemberId = Guid.NewGuid().ToString("N")[..12],
            HostId = hostId,
            SpecVersion = State.Version,
            State = PoolMemberState.Creating,
            TenantId = tenantId,
            CreatedAt = now,
            StateSince = now,
        };
        State.Members[member.MemberId] = member;
        return member;
    }

    /// <summary>The member is gone for good (destroyed, or its create failed).</summary>
    public void Remove(PoolMember member)
    {
        Forget(member);
        if (!_ended.Add(member.MemberId)) return;
        _endedOrder.Enqueue(member.MemberId);
        if (_endedOrder.Count > EndedRemembered) _ended.Remove(_endedOrder.Dequeue());
    }

    /// <summary>The member stops counting without being remembered as removed (its host is down: see WorkloadPoolGrain.LetGoOfHost).</summary>
    public void Forget(PoolMember member)
    {
        State.Members.Remove(member.MemberId);
        _misses.Remove(member.MemberId);
    }

    /// <summary>The idle member to hand out next: current spec, on a usable host, idle longest.</summary>
    public PoolMember? NextIdle(Func<string, bool> usableHost)
    {
        PoolMember? next = null;
        foreach (var member in State.Members.Values)
        {
            if (member.State == PoolMemberState.Idle && member.TenantId is null && member.SpecVersion == State.Version
                && usableHost(member.HostId) && (next is null || member.StateSince < next.StateSince))
            {
                next = member;
            }
        }
        return next;
    }

    /// <summary>
    /// Hands a member with a running container to a tenant: it leaves the kept members and becomes
    /// a handoff, counted on its host, until the tenant confirms it recorded the claim.
    /// </summary>
    public ClaimedMember HandOut(PoolMember member, string tenantId, ClaimSource source, DateTimeOffset now)
    {
        var container = member.Container ?? throw new InvalidOperationException($"member {member.MemberId} has no container to hand out");
        Forget(member);
        var handoff = new PoolHandoff
        {
            MemberId = member.MemberId,
            TenantId = tenantId,
            Container = container,
            Source = source,
            ReservedAt = now,
            SpecVersion = member.SpecVersion,
            CreatedAt = member.CreatedAt,
        };
        State.Handoffs[member.MemberId] = handoff;
        State.ClaimedByHost[member.HostId] = ClaimedOn(member.HostId) + 1;
        var claim = ToClaim(handoff);
        Claims.Add(claim);
        return claim;
    }

    /// <summary>The claimed member the tenant holds, as far as the books know (handed out or confirmed).</summary>
    public ClaimedMember? HeldBy(string tenantId) => Claims.OfTenant(tenantId);

    /// <summary>The tenant recorded its claim: the handoff leaves the stored books. Returns whether they changed.</summary>
    public bool Confirm(string tenantId, string memberId)
    {
        if (!State.Handoffs.TryGetValue(memberId, out var handoff) || handoff.TenantId != tenantId)
        {
            return false;
        }
        State.Handoffs.Remove(memberId);
        // Whether a claim still waits for its tenant's word is whether its handoff is stored.
        if (Claims.Get(memberId) is null) Claims.Add(ToClaim(handoff));
        return true;
    }

    /// <summary>A claim the books did not know, vouched for by its owner record (after a restart): remembered, already counted.</summary>
    public ClaimedMember? Adopt(string memberId, MemberOwner owner, DateTimeOffset now)
    {
        if (State.Members.ContainsKey(memberId) || Claims.Get(memberId) is not null) return null;
        var claim = new ClaimedMember
        {
            MemberId = memberId,
            TenantId = owner.TenantId,
            Container = owner.Container,
            Source = owner.Source,
            Since = owner.ClaimedAt,
            CreatedAt = owner.ClaimedAt,
        };
        Claims.Add(claim);
        return claim;
    }

    /// <summary>
    /// Ends a tenant's claim on a handed-out member (its release, or a claim given up): it becomes
    /// a kept member again, Destroying, so it is never handed back and its removal has a deadline.
    /// Returns that member, or null when it is not the tenant's (or already ended and removed).
    /// </summary>
    public PoolMember? EndClaim(string tenantId, string memberId, RunningContainer? container, DateTimeOffset now)
    {
        if (State.Members.TryGetValue(memberId, out var kept))
        {
            return kept.TenantId == tenantId ? kept : null;
        }
        var known = Claims.Get(memberId);
        if (known is not null && known.TenantId != tenantId) return null;
        State.Handoffs.TryGetValue(memberId, out var handoff);
        container ??= known?.Container ?? handoff?.Container;
        if (container is null) return null;
        State.Handoffs.Remove(memberId);
        Claims.Remove(memberId);
        State.ClaimedByHost[container.HostId] = Math.Max(0, ClaimedOn(container.HostId) - 1);
        var member = new PoolMember
        {
            MemberId = memberId,
            HostId = container.HostId,
            SpecVersion = known?.SpecVersion ?? handoff?.SpecVersion ?? "",
            TenantId = tenantId,
            ContainerId = container.ContainerId,
            Endpoints = container.Endpoints,
            StartedAt = container.StartedAt,
            Services = container.Services,
            CreatedAt = known?.CreatedAt ?? handoff?.CreatedAt ?? now,
            Source = known?.Source ?? handoff?.Source,
        };
        member.MoveTo(PoolMemberState.Destroying, now);
        State.Members[memberId] = member;
        return member;
    }

    /// <summary>How many background members to start now: enough for the warm target and the line, within max_size and the in-flight bound.</summary>
    public int RefillWanted(PoolSpec pool, int warm, int waiting, int maxCreatesInFlight)
    {
        int idleOrComing = 0, inFlight = 0;
        foreach (var member in State.Members.Values)
        {
            if (member.TenantId is not null) continue;
            if (member.State == PoolMemberState.Creating) inFlight++;
            if (member.SpecVersion == State.Version && member.State is PoolMemberState.Idle or PoolMemberState.Creating) idleOrComing++;
        }
        return Math.Min(warm + waiting - idleOrComing, Math.Min(pool.MaxSize - Total, maxCreatesInFlight - inFlight));
    }

    /// <summary>Background members of the current spec on their way.</summary>
    public int Coming() => State.Members.Values.Count(m => m.TenantId is null && m.SpecVersion == State.Version && m.State == PoolMemberState.Creating);

    /// <summary>A down host's claimed containers stop counting against max_size; its lost claims stay known, for their tenants.</summary>
    public void ForgetClaimedOn(string hostId) => State.ClaimedByHost.Remove(hostId);

    /// <summary>
    /// Compares one host's listing of this workload's containers with the books. Labels are not
    /// ours alone to set, so a member's container is the one whose id it recorded. Only a
    /// container missing from two reports in a row is gone: a listing taken just before a member
    /// came up does not show it yet. The host's claimed count becomes what it runs that the pool
    /// does not keep (leftovers of removed members aside), plus claims whose container it did not
    /// list yet.
    /// </summary>
    public HostReportDiff Observe(string hostId, IReadOnlyCollection<ObservedContainer> containers, DateTimeOffset now)
    {
        var diff = new HostReportDiff();
        var byMember = containers.Where(c => c.MemberId.Length > 0).ToLookup(c => c.MemberId, StringComparer.Ordinal);
        foreach (var member in State.Members.Values.Where(m => m.HostId == hostId && m.State is PoolMemberState.Idle or PoolMemberState.Destroying).ToList())
        {
            // A member being removed whose container id is not known yet (its create is in flight) is left to its deadline.
            if (member.State == PoolMemberState.Destroying && member.ContainerId is null) continue;
            var seen = byMember[member.MemberId].FirstOrDefault(c => member.ContainerId is null || c.ContainerId == member.ContainerId);
            if (seen is null)
            {
                var misses = _misses[member.MemberId] = _misses.GetValueOrDefault(member.MemberId) + 1;
                if (misses < 2) continue;
                // Gone: an idle one is replaced; one being removed is done (its removal's answer was lost).
                if (member.State == PoolMemberState.Idle) diff.IdleToReplace.Add((member, Describe(null)));
                else diff.RemovedUnheard.Add(member);
                continue;
            }
            _misses.Remove(member.MemberId);
            if (member.State == PoolMemberState.Idle && !seen.IsServing) diff.IdleToReplace.Add((member, Describe(seen)));
        }

        var claimed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in Claims.OnHost(hostId))
        {
            var seen = byMember[claim.MemberId].FirstOrDefault(c => c.ContainerId == claim.Container.ContainerId);
            if (seen is null)
            {
                claim.Misses++;
                if (claim.Misses < 2)
                {
                    claimed.Add(claim.MemberId);
                }
                else if (claim.LostSince is null)
                {
                    claim.LostSince = now;
                    diff.ClaimsLost.Add((claim, Describe(null)));
                }
                continue;
            }
            claim.Misses = 0;
            claimed.Add(claim.MemberId);
            // A container its owner stopped is exited on purpose; one that vanished is still lost.
            if (claim.LostSince is null && (seen.State is "dead" || seen.State is "exited" && claim.Mode != ClaimMode.Stopped))
            {
                claim.LostSince = now;
                diff.ClaimsLost.Add((claim, Describe(seen)));
            }
        }

        foreach (var container in containers)
        {
            if (State.Members.TryGetValue(container.MemberId, out var member))
            {
                if (member.ContainerId is { } owned && owned != container.ContainerId) diff.Duplicates.Add(container);
            }
            else if (Claims.Get(container.MemberId) is { } claim)
            {
                if (claim.Container.ContainerId != container.ContainerId) diff.Duplicates.Add(container);
            }
            else if (_ended.Contains(container.MemberId))
            {
                diff.Leftovers.Add(container);
            }
            else
            {
                diff.Unknown.Add(container);
                // Until its owner is known, a container the pool does not keep is counted as claimed:
                // counting too many only delays a refill, too few would pass max_size.
                if (container.MemberId.Length > 0) claimed.Add(container.MemberId);
            }
        }
        if (ClaimedOn(hostId) != claimed.Count)
        {
            State.ClaimedByHost[hostId] = claimed.Count;
            diff.CountsChanged = true;
        }
        return diff;
    }

    public static string Describe(ObservedContainer? seen) =>
        seen is null ? "its container vanished" : $"its container is {seen.State}{(seen.Health is null ? "" : $" ({seen.Health})")}";

    private static ClaimedMember ToClaim(PoolHandoff handoff) => new()
    {
        MemberId = handoff.MemberId,
        TenantId = handoff.TenantId,
        Container = handoff.Container,
        Source = handoff.Source,
        Since = handoff.ReservedAt,
        CreatedAt = handoff.CreatedAt,
        SpecVersion = handoff.SpecVersion,
    };
}
