using Berth.Configuration;
using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;
using Berth.Runtime;
using Berth.Specs;
using Berth.State;
using Microsoft.Extensions.Options;

namespace Berth.Pools;

/// <summary>
/// Keeps the books of one workload's pool. Not reentrant: its turns are the lock that hands one idle
/// member to one claim. It never awaits Docker: creates and removes go to host grains as one-way
/// calls, and hosts report back through the <c>On*</c> callbacks.
/// </summary>
// The grain type is part of every stored state's key: fixed here, so renaming the class keeps its state.
[GrainType("workloadpool")]
public sealed class WorkloadPoolGrain(
    [PersistentState("pool", StorageNames.Berth)] IPersistentState<PoolState> state,
    IContainerRuntimeProvider runtimes,
    IOptions<BerthOptions> options,
    ILogger<WorkloadPoolGrain> logger,
    TimeProvider clock) : Grain, IWorkloadPoolGrain
{
    private readonly BerthOptions _options = options.Value;
    private int _consecutiveCreateFailures;
    private DateTimeOffset _refillNotBefore = DateTimeOffset.MinValue;
    private DateTimeOffset _lastAudit = DateTimeOffset.MinValue;
    private string? _lastError;
    private IGrainTimer? _ticker;
    /// <summary>Consecutive host reports that did not list a member's container; two in a row mean it is gone.</summary>
    private readonly Dictionary<string, int> _missingReports = new(StringComparer.Ordinal);
    /// <summary>Containers Docker runs for this workload that no member owns, and when each was first seen.</summary>
    private readonly Dictionary<string, DateTimeOffset> _orphansSeen = new(StringComparer.Ordinal);
    /// <summary>Claims waiting for the next member that becomes ready (pool.claim_wait).</summary>
    private readonly ClaimQueue _queue = new();
    /// <summary>Hosts that reported themselves down or unhealthy, with the reason; skipped until they recover.</summary>
    private readonly Dictionary<string, string> _hostProblems = new(StringComparer.Ordinal);

    private string Workload => this.GetPrimaryKeyString();
    private PoolState Books => state.State;
    private DateTimeOffset Now => clock.GetUtcNow();
    private IEnumerable<PoolMember> Members => Books.Members.Values;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (Books.Spec is null || Books.Retired && Books.Members.Count == 0)
        {
            return; // Nothing to keep: an unknown or fully drained workload is collected when idle.
        }
        StartTicking();
        // Background creates of a previous activation report to nobody now (their callbacks may
        // still arrive and are then refused): give their slots up and let the refill start afresh.
        var orphanedCreates = Members.Where(m => m.State == PoolMemberState.Creating && m.TenantId is null).ToList();
        foreach (var member in orphanedCreates)
        {
            BeginDestroy(member, "its create was started by a previous activation");
        }
        if (orphanedCreates.Count > 0 || RefillWanted() > 0)
        {
            await SaveAsync();
        }
    }

    /// <summary>The periodic tick keeps a configured pool active: refill, deadlines, eviction, audit.</summary>
    private void StartTicking()
    {
        if (_ticker is not null)
        {
            return;
        }
        _ticker = this.RegisterGrainTimer(
            TickAsync,
            new GrainTimerCreationOptions
            {
                DueTime = _options.PoolTickInterval,
                Period = _options.PoolTickInterval,
                KeepAlive = true,
            });
        SubscribeToHosts();
    }

    /// <summary>
    /// Every host sweeps and reports to this pool, so it hears what Docker really runs. Repeated
    /// now and then: a host grain reactivated elsewhere (its silo died) starts with no subscribers.
    /// </summary>
    private void SubscribeToHosts()
    {
        foreach (var hostId in runtimes.HostIds)
        {
            _ = GrainFactory.GetGrain<IAgentHostGrain>(hostId).Subscribe(Workload);
        }
    }

    public async Task Configure(WorkloadSpec spec, string version)
    {
        StartTicking();
        var changed = Books.Spec is null || Books.Version != version || Books.Spec.Pool != spec.Pool || Books.Retired;
        if (changed)
        {
            Books.Spec = spec;
            Books.Version = version;
            Books.Retired = false;
            _refillNotBefore = DateTimeOffset.MinValue;
            _consecutiveCreateFailures = 0;
            // Idle members of an older spec are replaced, never handed out stale.
            foreach (var member in Members.Where(m => m.State == PoolMemberState.Idle && m.SpecVersion != version).ToList())
            {
                BeginDestroy(member, "spec changed");
            }
            logger.LogInformation("Pool {Workload} configured at spec version {Version} (min {Min}, max {Max})", Workload, version, spec.Pool.MinSize, spec.Pool.MaxSize);
        }
        if (changed || RefillWanted() > 0)
        {
            await SaveAsync();
        }
    }

    /// <summary>When this pool handed out its latest new claims, for <c>pool.claims_per_minute</c> (in memory: resets with the activation).</summary>
    private readonly Queue<DateTimeOffset> _recentClaims = new();

    private void CheckClaimRate(PoolSpec pool)
    {
        if (pool.ClaimsPerMinute is not { } limit) return;
        var now = Now;
        while (_recentClaims.TryPeek(out var oldest) && now - oldest >= TimeSpan.FromMinutes(1)) _recentClaims.Dequeue();
        if (_recentClaims.Count >= limit)
        {
            var wait = _recentClaims.Peek() + TimeSpan.FromMinutes(1) - now;
            throw BerthException.Quota($"workload '{Workload}' hands out at most {limit} new claims per minute (pool.claims_per_minute)", Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)));
        }
        _recentClaims.Enqueue(now);
    }

    public async Task<PoolClaimTicket> Claim(string tenantId)
    {
        var spec = Books.Spec;
        if (spec is null || Books.Retired)
        {
            throw BerthException.NotFound($"workload '{Workload}' does not exist");
        }

        // Retries converge: a tenant that already holds a member of this pool gets that member.
        // (A claim that waited in line finds here the member reserved for it.)
        if (HeldTicket(tenantId, spec) is { } held)
        {
            _queue.Leave(tenantId);
            return held;
        }
        _queue.Expire(Now);
        var place = _queue.PositionOf(tenantId);
        // A claim asking again from its place in line was counted when it arrived.
        if (place < 0) CheckClaimRate(spec.Pool);
        // A cold creation the tenant started and never finished (it crashed mid-claim) is abandoned,
        // and a lost container makes way for a fresh one.
        foreach (var stale in Members.Where(m => m.TenantId == tenantId && m.State is PoolMemberState.Creating or PoolMemberState.Lost).ToList())
        {
            BeginDestroy(stale, stale.State == PoolMemberState.Lost ? "its tenant claimed again after losing it" : "superseded by a retried claim");
        }

        var idle = NextIdle();
        // Idle members go to the line first (AssignToWaiting); a newcomer does not jump it.
        if (idle is not null && (place == 0 || _queue.Count == 0))
        {
            _queue.Leave(tenantId);
            idle.TenantId = tenantId;
            idle.Source = ClaimSource.Warm;
            idle.MoveTo(PoolMemberState.Claimed, Now);
            await SaveAsync();
            return new PoolClaimTicket(idle.MemberId, idle.HostId, ClaimSource.Warm, idle.Container, null, spec);
        }

        // Members on their way that no one ahead in line will take: waiting for one beats a cold create.
        var ahead = place < 0 ? _queue.Count : place;
        var coming = Members.Count(m => m.TenantId is null && m.SpecVersion == Books.Version && m.State == PoolMemberState.Creating);
        var freeing = Members.Count(m => m.State == PoolMemberState.Destroying);
        var room = TotalMembers < spec.Pool.MaxSize;
        var slowHealth = MemberDeadlines.ColdClaimRetryAfter(spec, _options);
        var canWait = spec.Pool.ClaimWait > TimeSpan.Zero && (slowHealth is null || slowHealth <= spec.Pool.ClaimWait.TotalSeconds);
        if (canWait && (ahead < coming || (!room && ahead < coming + freeing) || (room && slowHealth is not null)))
        {
            return await WaitInLineAsync(tenantId, spec);
        }
        _queue.Leave(tenantId);

        if (TotalMembers >= spec.Pool.MaxSize)
        {
            throw BerthException.AtMaxSize(
                $"pool '{Workload}' is at max_size ({spec.Pool.MaxSize}) with no idle member; retry later",
                _options.RetryAfterSeconds);
        }
        if (PickHost() is null)
        {
            throw BerthException.Unavailable(
                $"pool '{Workload}' has no idle member and no usable host: {string.Join("; ", _hostProblems.Values)}",
                _options.RetryAfterSeconds);
        }
        if (MemberDeadlines.ColdClaimRetryAfter(spec, _options) is { } retryAfter)
        {
            // The client should not wait that long: it comes back once a member had time to turn healthy.
            await EnsureMemberComingAsync();
            throw BerthException.Unavailable(
                $"pool '{Workload}' has no idle member, and a new one needs at least {retryAfter}s to pass its healthcheck; retry then",
                retryAfter);
        }
        var cold = NewMember(tenantId);
        cold.Source = ClaimSource.Cold;
        await PersistAsync();
        return new PoolClaimTicket(cold.MemberId, cold.HostId, ClaimSource.Cold, null,
            new MemberCreateRequest(cold.MemberId, spec, Books.Version, tenantId), spec);
    }

    /// <summary>Puts the claim in line; the refill counts the line, so members come for it.</summary>
    private async Task<PoolClaimTicket> WaitInLineAsync(string tenantId, WorkloadSpec spec)
    {
        var fresh = _queue.PositionOf(tenantId) < 0;
        _queue.Join(tenantId, Now + spec.Pool.ClaimWait);
        if (fresh && RefillWanted() > 0) await SaveAsync();
        return PoolClaimTicket.InLine(spec);
    }

    public Task<PoolClaimTicket?> LeaveLine(string tenantId)
    {
        _queue.Leave(tenantId);
        return Task.FromResult(Books.Spec is { } spec ? HeldTicket(tenantId, spec) : null);
    }

    /// <summary>The member the tenant already holds, as a ticket: how retries and claims in line converge.</summary>
    private PoolClaimTicket? HeldTicket(string tenantId, WorkloadSpec spec) =>
        Members.FirstOrDefault(m => m.TenantId == tenantId && m.State == PoolMemberState.Claimed) is { } held
            ? new PoolClaimTicket(held.MemberId, held.HostId, held.Source ?? ClaimSource.Warm, held.Container, null, spec)
            : null;

    /// <summary>The idle member to hand out next: current spec, on a usable host, idle longest.</summary>
    private PoolMember? NextIdle() => Members
        .Where(m => m.State == PoolMemberState.Idle && m.SpecVersion == Books.Version && m.TenantId is null && !_hostProblems.ContainsKey(m.HostId))
        .OrderBy(m => m.StateSince)
        .FirstOrDefault();

    /// <summary>
    /// Hands idle members to the claims in line, first come first served, recorded before the
    /// tenants are told (they find the member when they ask again). Returns whether any was handed.
    /// </summary>
    private bool AssignToWaiting()
    {
        var assigned = new List<string>();
        while (_queue.Count > 0)
        {
            var idle = NextIdle();
            if (idle is null || _queue.Next(Now) is not { } tenantId) break;
            idle.TenantId = tenantId;
            idle.Source = ClaimSource.Queued;
            idle.MoveTo(PoolMemberState.Claimed, Now);
            assigned.Add(tenantId);
        }
        if (assigned.Count == 0) return false;
        _tellAfterSave.AddRange(assigned);
        return true;
    }

    /// <summary>Tenants to tell, once the books that reserve their members are stored.</summary>
    private readonly List<string> _tellAfterSave = [];

    private void TellReserved()
    {
        foreach (var tenantId in _tellAfterSave)
        {
            _ = GrainFactory.GetGrain<ITenantGrain>(tenantId).OnMemberReserved(Workload);
        }
        _tellAfterSave.Clear();
    }

    /// <summary>Starts one more background member when none is coming (min_size 0, or all taken), so a waiting client finds one.</summary>
    private async Task EnsureMemberComingAsync()
    {
        var coming = Members.Any(m => m.TenantId is null && m.SpecVersion == Books.Version && m.State == PoolMemberState.Creating);
        if (coming || TotalMembers >= Books.Spec!.Pool.MaxSize || PickHost() is null)
        {
            return;
        }
        var member = NewMember(tenantId: null);
        await SaveAsync();
        _ = GrainFactory.GetGrain<IAgentHostGrain>(member.HostId)
            .CreateMember(new MemberCreateRequest(member.MemberId, Books.Spec!, Books.Version, null));
    }

    public async Task<RunningContainer> CompleteColdClaim(string tenantId, string memberId, RunningContainer container)
    {
        if (!Books.Members.TryGetValue(memberId, out var member) || member.TenantId != tenantId || member.State != PoolMemberState.Creating)
        {
            // The reservation expired while the container was being made; do not keep an unowned container.
            _ = GrainFactory.GetGrain<IAgentHostGrain>(container.HostId).DestroyMember(Workload, memberId, container.ContainerId);
            throw BerthException.Unavailable($"the reservation for tenant '{tenantId}' in pool '{Workload}' expired; retry the claim", _options.RetryAfterSeconds);
        }
        member.ContainerId = container.ContainerId;
        member.Endpoints = container.Endpoints;
        member.StartedAt = container.StartedAt;
        member.MoveTo(PoolMemberState.Claimed, Now);
        await PersistAsync();
        return member.Container!;
    }

    public async Task AbandonClaim(string tenantId, string memberId, string reason)
    {
        if (Books.Members.TryGetValue(memberId, out var member) && member.TenantId == tenantId
            && member.State is PoolMemberState.Creating or PoolMemberState.Claimed)
        {
            _lastError = reason;
            // Destroyed, never handed on: the tenant may have touched it. Removal goes by label too,
            // in case a create finished that nobody recorded.
            BeginDestroy(member, $"claim abandoned: {reason}");
            await SaveAsync();
        }
    }

    public async Task BeginRelease(string tenantId, string memberId)
    {
        if (Books.Members.TryGetValue(memberId, out var member) && member.TenantId == tenantId && member.State != PoolMemberState.Destroying)
        {
            // The tenant removes the container itself; if it dies first, the Destroying deadline
            // makes the host remove it instead.
            member.MoveTo(PoolMemberState.Destroying, Now);
            await PersistAsync();
        }
    }

    public async Task CompleteRelease(string tenantId, string memberId)
    {
        if (Books.Members.TryGetValue(memberId, out var member) && member.TenantId == tenantId)
        {
            Books.Members.Remove(memberId);
            _missingReports.Remove(memberId);
            logger.LogInformation("Member {Member} of {Workload} released by tenant {Tenant} and removed", memberId, Workload, tenantId);
        }
        await SaveAsync();
    }

    public async Task<bool> TryRetire()
    {
        if (Members.Any(m => m.TenantId is not null && m.State is PoolMemberState.Claimed or PoolMemberState.Creating or PoolMemberState.Lost))
        {
            return false;
        }
        Books.Retired = true;
        foreach (var member in Members.Where(m => m.State != PoolMemberState.Destroying).ToList())
        {
            BeginDestroy(member, "workload deleted");
        }
        await PersistAsync();
        return true;
    }

    public Task<PoolView> GetView()
    {
        var now = Now;
        var members = Members
            .OrderBy(m => m.CreatedAt)
            .Select(m => new PoolMemberView(m.MemberId, m.ContainerId, m.HostId, m.State, m.TenantId, m.SpecVersion, m.CreatedAt, Math.Round((now - m.CreatedAt).TotalSeconds, 1)))
            .ToArray();
        return Task.FromResult(new PoolView(
            Workload,
            Books.Version,
            Books.Spec?.Pool.MinSize ?? 0,
            Books.Spec?.Pool.MaxSize ?? 0,
            members.Count(m => m.State == PoolMemberState.Idle),
            members.Count(m => m.State == PoolMemberState.Claimed),
            members.Count(m => m.State == PoolMemberState.Creating),
            members.Count(m => m.State == PoolMemberState.Destroying),
            members,
            _lastError,
            members.Count(m => m.State == PoolMemberState.Lost)));
    }

    public async Task OnMemberCreated(string memberId, RunningContainer container)
    {
        if (!Books.Members.TryGetValue(memberId, out var member) || member.State != PoolMemberState.Creating || member.TenantId is not null)
        {
            // Not a background create we are waiting for (expired, retired, or already handled): remove it.
            _ = GrainFactory.GetGrain<IAgentHostGrain>(container.HostId).DestroyMember(Workload, memberId, container.ContainerId);
            return;
        }
        member.ContainerId = container.ContainerId;
        member.Endpoints = container.Endpoints;
        member.StartedAt = container.StartedAt;
        _consecutiveCreateFailures = 0;
        if (Books.Retired || member.SpecVersion != Books.Version)
        {
            BeginDestroy(member, "spec changed while it was created");
        }
        else
        {
            member.MoveTo(PoolMemberState.Idle, Now);
            if (!AssignToWaiting() && RefillWanted() == 0)
            {
                // A member turning idle need not be durable at once: storage still says "creating",
                // and should this activation die first, its successor gives that slot up and the
                // orphan sweep removes the container. The next write (a claim, a tick) records it.
                // This halves the pool's writes per claim, and each write carries every member.
                _unsavedChanges = true;
                return;
            }
        }
        await SaveAsync();
    }

    public async Task OnMemberCreateFailed(string memberId, string error)
    {
        if (!Books.Members.TryGetValue(memberId, out var member) || member.State != PoolMemberState.Creating)
        {
            return;
        }
        Books.Members.Remove(memberId);
        _lastError = error;
        _consecutiveCreateFailures++;
        // Back off so that a broken image or engine does not turn into a create storm.
        var backoff = TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(_consecutiveCreateFailures, 5)) / 2));
        _refillNotBefore = Now + backoff;
        logger.LogWarning("Background create of member {Member} of {Workload} failed ({Failures} in a row, next try in {Backoff}): {Error}",
            memberId, Workload, _consecutiveCreateFailures, backoff, error);
        await PersistAsync();
    }

    public async Task OnMemberDestroyed(string memberId)
    {
        if (Books.Members.TryGetValue(memberId, out var member) && member.State == PoolMemberState.Destroying)
        {
            Books.Members.Remove(memberId);
            _missingReports.Remove(memberId);
            if (member.TenantId is { } tenantId)
            {
                // A release or abandoned claim that the pool finished for the tenant (it may have died meanwhile).
                _ = GrainFactory.GetGrain<ITenantGrain>(tenantId).OnMemberLost(Workload, memberId, "its container was removed");
            }
            await SaveAsync();
        }
    }

    public async Task ObserveHost(HostReport report)
    {
        var hostId = report.HostId;
        if (report.Available) _hostProblems.Remove(hostId);
        else _hostProblems[hostId] = report.Problem ?? $"Docker host '{hostId}' is unavailable";
        if (report.Containers is not { } containers)
        {
            return; // The engine did not answer: nothing can be concluded about its containers.
        }

        // Labels are not ours alone to set: a member label may be missing or repeated. A member's
        // container is the one whose id it recorded; the others are orphans (RemoveOrphans).
        var byMember = containers.Where(c => c.MemberId.Length > 0).ToLookup(c => c.MemberId, StringComparer.Ordinal);
        var changed = false;
        foreach (var member in Members.Where(m => m.HostId == hostId && m.State is PoolMemberState.Idle or PoolMemberState.Claimed).ToList())
        {
            var seen = byMember[member.MemberId].FirstOrDefault(c => member.ContainerId is null || c.ContainerId == member.ContainerId);
            if (seen is null)
            {
                // A listing taken just before a member came up does not show it yet: only a member
                // missing from two reports in a row is gone (no clocks of two silos compared).
                var misses = _missingReports[member.MemberId] = _missingReports.GetValueOrDefault(member.MemberId) + 1;
                if (misses < 2) continue;
            }
            else
            {
                _missingReports.Remove(member.MemberId);
            }
            var why = Describe(seen);
            if (member.State == PoolMemberState.Idle && seen is not { IsServing: true })
            {
                logger.LogWarning("Idle member {Member} of {Workload} on {Host} is replaced: {Reason} (container {ContainerId})",
                    member.MemberId, Workload, hostId, why, member.ContainerId);
                BeginDestroy(member, why);
                changed = true;
            }
            else if (member.State == PoolMemberState.Claimed && seen is null or { State: "exited" or "dead" })
            {
                // Never handed out again, never removed behind the tenant's back: the claim turns Lost
                // and the tenant's release or next claim clears it.
                logger.LogWarning("Claimed member {Member} of {Workload} on {Host} is lost: {Reason} (container {ContainerId}, tenant {Tenant})",
                    member.MemberId, Workload, hostId, why, member.ContainerId, member.TenantId);
                member.MoveTo(PoolMemberState.Lost, Now);
                _ = GrainFactory.GetGrain<ITenantGrain>(member.TenantId!).OnMemberLost(Workload, member.MemberId, why);
                changed = true;
            }
        }
        // A background create asked of a host activation that has since been replaced (its silo died)
        // will never report: give its slot up now instead of at the creation deadline. The slack
        // allows for the two silos' clocks.
        if (report.ActiveSince is { } hostSince)
        {
            foreach (var member in Members.Where(m => m.HostId == hostId && m.State == PoolMemberState.Creating && m.TenantId is null
                && m.StateSince + LostCreateSlack < hostSince).ToList())
            {
                BeginDestroy(member, "its create was asked of a host activation that is gone");
                changed = true;
            }
        }
        RemoveOrphans(hostId, containers);
        if (changed)
        {
            await SaveAsync();
        }
    }

    private static string Describe(ObservedContainer? seen) =>
        seen is null ? "its container vanished" : $"its container is {seen.State}{(seen.Health is null ? "" : $" ({seen.Health})")}";

    /// <summary>
    /// A labelled container that no member owns (left by a crash or a lost state) is removed once it
    /// has stayed unowned for the grace period; members are recorded before they are created, so a
    /// container of an in-flight create is never mistaken for one.
    /// </summary>
    private void RemoveOrphans(string hostId, ObservedContainer[] containers)
    {
        var now = Now;
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var container in containers.Where(IsOrphan))
        {
            listed.Add(container.ContainerId);
            if (!_orphansSeen.TryGetValue(container.ContainerId, out var firstSeen))
            {
                _orphansSeen[container.ContainerId] = now;
            }
            else if (now - firstSeen >= _options.OrphanGracePeriod)
            {
                logger.LogWarning("Removing orphan container {ContainerId} (member {Member}) of {Workload} on {Host}: no pool member or claim owns it",
                    container.ContainerId, container.MemberId, Workload, hostId);
                // By container id alone: removing by its member label could take a real member's container with it.
                _ = GrainFactory.GetGrain<IAgentHostGrain>(hostId).DestroyContainer(container.ContainerId);
                _orphansSeen.Remove(container.ContainerId);
            }
        }
        foreach (var gone in _orphansSeen.Keys.Where(id => !listed.Contains(id)).ToList())
        {
            _orphansSeen.Remove(gone);
        }
    }

    /// <summary>No member owns it: no or an unknown member label, or a second container under a member's label.</summary>
    private bool IsOrphan(ObservedContainer container) =>
        !Books.Members.TryGetValue(container.MemberId, out var member)
        || (member.ContainerId is { } owned && owned != container.ContainerId);

    private static readonly TimeSpan LostCreateSlack = TimeSpan.FromSeconds(5);

    private int TotalMembers => Books.Members.Count;

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var spec = Books.Spec;
        var now = Now;
        var changed = false;
        foreach (var member in Members.ToList())
        {
            if (member.State == PoolMemberState.Creating && now - member.StateSince > (spec is null ? _options.MemberCreateDeadline : MemberDeadlines.Create(spec, _options)))
            {
                BeginDestroy(member, "not running before its creation deadline");
                if (member.TenantId is { } waiting)
                {
                    _ = GrainFactory.GetGrain<ITenantGrain>(waiting).OnMemberLost(Workload, member.MemberId, "the claim did not complete before its deadline");
                }
                changed = true;
            }
            else if (member.State == PoolMemberState.Destroying && now - member.StateSince > _options.MemberCreateDeadline)
            {
                // The host did not confirm the removal; ask again.
                member.StateSince = now;
                _ = GrainFactory.GetGrain<IAgentHostGrain>(member.HostId).DestroyMember(Workload, member.MemberId, member.ContainerId);
                changed = true;
            }
        }
        if (spec is not null)
        {
            // Idle members above min_size are evicted once idle longer than idle_timeout, oldest first.
            var idle = Members.Where(m => m.State == PoolMemberState.Idle).OrderBy(m => m.StateSince).ToList();
            var surplus = idle.Count - spec.Pool.MinSize;
            foreach (var member in idle.Where(m => now - m.StateSince > spec.Pool.IdleTimeout).Take(Math.Max(0, surplus)))
            {
                BeginDestroy(member, $"idle longer than {spec.Pool.IdleTimeout}");
                changed = true;
            }
        }
        // Members a recovered host makes usable again go to the line too.
        if (AssignToWaiting()) changed = true;
        AuditClaims(now);
        if (changed || _unsavedChanges || RefillWanted() > 0)
        {
            await SaveAsync();
        }
        if (Books.Retired && Books.Members.Count == 0)
        {
            _ticker?.Dispose();
            _ticker = null;
            foreach (var hostId in runtimes.HostIds)
            {
                _ = GrainFactory.GetGrain<IAgentHostGrain>(hostId).Unsubscribe(Workload);
            }
            DeactivateOnIdle();
        }
    }

    /// <summary>
    /// Asks each tenant, now and then, whether it still holds its member. A tenant whose silo died
    /// between the pool's reservation and its own record does not, and gives the member up, so
    /// such a container is not kept forever.
    /// </summary>
    private void AuditClaims(DateTimeOffset now)
    {
        if (now - _lastAudit < _options.ClaimAuditInterval)
        {
            return;
        }
        _lastAudit = now;
        SubscribeToHosts();
        var lostTimeout = Books.Spec?.Pool.LostTimeout ?? new PoolSpec().LostTimeout;
        foreach (var member in Members.Where(m => m.State is PoolMemberState.Claimed or PoolMemberState.Lost && now - m.StateSince > _options.ClaimAuditInterval))
        {
            var tenant = GrainFactory.GetGrain<ITenantGrain>(member.TenantId!);
            _ = member.State == PoolMemberState.Lost && now - member.StateSince > lostTimeout
                ? tenant.ReleaseLost(Workload, member.MemberId)
                : tenant.VerifyClaim(Workload, member.MemberId);
        }
    }

    /// <summary>
    /// Persists the books and then starts any background creates needed to keep min_size members
    /// idle or coming, within max_size and the creation-rate bound. Members are recorded before
    /// they are asked for, so a crash cannot leave containers the pool does not know.
    /// </summary>
    private async Task SaveAsync()
    {
        var wanted = RefillWanted();
        var created = Enumerable.Range(0, Math.Max(0, wanted)).Select(_ => NewMember(tenantId: null)).ToList();
        await PersistAsync();
        foreach (var member in created)
        {
            _ = GrainFactory.GetGrain<IAgentHostGrain>(member.HostId)
                .CreateMember(new MemberCreateRequest(member.MemberId, Books.Spec!, Books.Version, null));
        }
    }

    private int RefillWanted()
    {
        var spec = Books.Spec;
        if (spec is null || Books.Retired || Now < _refillNotBefore || PickHost() is null)
        {
            return 0;
        }
        var idleOrComing = Members.Count(m => m.TenantId is null && m.SpecVersion == Books.Version
            && m.State is PoolMemberState.Idle or PoolMemberState.Creating);
        var inFlight = Members.Count(m => m.TenantId is null && m.State == PoolMemberState.Creating);
        return Math.Min(
            spec.Pool.MinSize + _queue.Count - idleOrComing,
            Math.Min(spec.Pool.MaxSize - TotalMembers, _options.MaxCreatesInFlightPerPool - inFlight));
    }

    private PoolMember NewMember(string? tenantId)
    {
        var now = Now;
        var member = new PoolMember
        {
            MemberId = Guid.NewGuid().ToString("N")[..12],
            HostId = PickHost() ?? throw new InvalidOperationException("no usable host"),
            SpecVersion = Books.Version,
            State = PoolMemberState.Creating,
            TenantId = tenantId,
            CreatedAt = now,
            StateSince = now,
        };
        Books.Members[member.MemberId] = member;
        return member;
    }

    /// <summary>Spreads a pool over usable hosts: the one with the fewest of its members; null when none is usable.</summary>
    private string? PickHost()
    {
        var counts = Members.GroupBy(m => m.HostId).ToDictionary(g => g.Key, g => g.Count());
        return runtimes.HostIds.Where(h => !_hostProblems.ContainsKey(h)).OrderBy(h => counts.GetValueOrDefault(h)).FirstOrDefault();
    }

    private void BeginDestroy(PoolMember member, string reason)
    {
        _missingReports.Remove(member.MemberId);
        member.MoveTo(PoolMemberState.Destroying, Now);
        logger.LogInformation("Destroying member {Member} of {Workload} (container {ContainerId}): {Reason}", member.MemberId, Workload, member.ContainerId ?? "none", reason);
        _ = GrainFactory.GetGrain<IAgentHostGrain>(member.HostId).DestroyMember(Workload, member.MemberId, member.ContainerId);
    }

    /// <summary>
    /// Writes the state; if that fails, this activation's memory may be ahead of storage, so it is
    /// dropped (the next call reactivates from what was really stored) before the error goes on.
    /// </summary>
    /// <summary>In-memory changes that are safe to lose (see OnMemberCreated), written by the next tick at the latest.</summary>
    private bool _unsavedChanges;

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_unsavedChanges)
        {
            await PersistAsync();
        }
    }

    private async Task PersistAsync()
    {
        _unsavedChanges = false;
        await state.WriteOrDeactivateAsync(this);
        TellReserved();
    }
}
