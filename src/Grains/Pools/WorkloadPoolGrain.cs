using Berth.Configuration;
using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;
using Berth.Runtime;
using Berth.Specs;
using Berth.State;
using Microsoft.Extensions.DependencyInjection;
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
    IOptions<BerthOptions> options,
    ILogger<WorkloadPoolGrain> logger,
    [FromKeyedServices(BerthClock.Key)] TimeProvider clock) : Grain, IWorkloadPoolGrain
{
    private readonly BerthOptions _options = options.Value;
    private int _consecutiveCreateFailures;
    private DateTimeOffset _refillNotBefore = DateTimeOffset.MinValue;
    private DateTimeOffset _lastAudit = DateTimeOffset.MinValue;
    private string? _lastError;
    private IGrainTimer? _ticker;
    /// <summary>Built from the stored state at activation; see <see cref="PoolBooks"/>.</summary>
    private PoolBooks _books = null!;
    /// <summary>Members whose owner record was asked for and has not answered yet (bounded, see LookUpOwners).</summary>
    private readonly HashSet<string> _ownerLookups = new(StringComparer.Ordinal);
    /// <summary>Members of unknown containers whose owner record said nobody holds them, and when.</summary>
    private readonly Dictionary<string, DateTimeOffset> _noOwnerSince = new(StringComparer.Ordinal);
    /// <summary>Containers Docker runs for this workload that no member owns, and when each was first seen.</summary>
    private readonly Dictionary<string, DateTimeOffset> _orphansSeen = new(StringComparer.Ordinal);
    /// <summary>Claims waiting for the next member that becomes ready (pool.claim_wait).</summary>
    private readonly ClaimQueue _queue = new();
    /// <summary>Hosts that reported they take no new members (engine down, creates failing, egress unmanaged), with the reason.</summary>
    private readonly Dictionary<string, string> _hostProblems = new(StringComparer.Ordinal);
    /// <summary>Hosts whose engine did not answer their last sweep: their idle members are not handed out meanwhile.</summary>
    private readonly HashSet<string> _unreachable = new(StringComparer.Ordinal);
    /// <summary>The registry's hosts as last fetched (see RefreshHostsAsync); null until the first answer.</summary>
    private HostDirectory? _directory;
    /// <summary>Stranded containers whose tenants were asked to save them, and when (asked again after a while).</summary>
    private readonly Dictionary<string, DateTimeOffset> _recovering = new(StringComparer.Ordinal);
    /// <summary>Claims on an evicting host whose tenants were asked to move, and when.</summary>
    private readonly Dictionary<string, DateTimeOffset> _evictionsAsked = new(StringComparer.Ordinal);

    private string Workload => this.GetPrimaryKeyString();
    private PoolState Books => state.State;
    private DateTimeOffset Now => clock.GetUtcNow();
    private IEnumerable<PoolMember> Members => _books.Members;
    private const int MaxOwnerLookupsInFlight = 512;
    private const int MaxClaimsInView = 1000;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _books = new PoolBooks(state.State);
        if (Books.Spec is null || Books.Retired && _books.Total == 0 && !_books.Handoffs.Any())
        {
            return; // Nothing to keep: an unknown or fully drained workload is collected when idle.
        }
        logger.LogInformation("Pool {Workload} activated with {Members} members and {Handoffs} handoffs; its confirmed claims are learned again from host reports",
            Workload, _books.Total, _books.Handoffs.Count());
        await RefreshHostsAsync();
        StartTicking();
        // Background creates of a previous activation report to nobody now (their callbacks may
        // still arrive and are then refused): give their slots up and let the refill start afresh.
        var orphanedCreates = Members.Where(m => m.State == PoolMemberState.Creating && m.TenantId is null).ToList();
        // Removals a previous activation asked for may never have arrived (it was stopping with its
        // silo, say): ask again now rather than at their deadline. Removal by member label is idempotent.
        foreach (var member in Members.Where(m => m.State == PoolMemberState.Destroying && !IsGone(m.HostId)).ToList())
        {
            _ = GrainFactory.GetGrain<IAgentHostGrain>(member.HostId).DestroyMember(Workload, member.MemberId, member.ContainerId);
        }
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
        foreach (var host in _directory?.Hosts ?? [])
        {
            if (host.State != HostState.Removed) _ = GrainFactory.GetGrain<IAgentHostGrain>(host.HostId).Subscribe(Workload);
        }
    }

    /// <summary>
    /// Learns the hosts from the registry. A host that went down (or was removed) lets go of this
    /// pool's members there at once; a draining one loses its idle members, and with eviction its
    /// tenants are asked to move. The registry being unreachable keeps the last known hosts.
    /// </summary>
    private async Task RefreshHostsAsync()
    {
        HostDirectory? fresh;
        try
        {
            fresh = await GrainFactory.GetGrain<IHostRegistryGrain>(0).GetDirectory(_directory?.Version ?? 0);
        }
        catch (Exception ex)
        {
            logger.LogWarning("Pool {Workload} could not reach the host registry; keeping the hosts it knew: {Error}", Workload, ex.Message);
            return;
        }
        if (fresh is null) return;
        var before = _directory?.Hosts.ToDictionary(h => h.HostId, h => h.State, StringComparer.Ordinal);
        var added = fresh.Hosts.Any(h => before is null || !before.ContainsKey(h.HostId));
        _directory = fresh;
        var changed = false;
        foreach (var host in fresh.Hosts)
        {
            var was = before?.GetValueOrDefault(host.HostId);
            if (host.State is HostState.Down or HostState.Removed && (before is null || was != host.State)) changed |= LetGoOfHost(host);
            if (host.State == HostState.Draining) changed |= DrainHost(host);
        }
        if (added) SubscribeToHosts();
        if (changed) await SaveAsync();
    }

    private HostEntry? HostEntryOf(string hostId) => _directory?.Hosts.FirstOrDefault(h => h.HostId == hostId);

    /// <summary>Down or removed: nothing there serves, counts or can be asked of its engine.</summary>
    private bool IsGone(string hostId) => HostEntryOf(hostId) is { State: HostState.Down or HostState.Removed };

    /// <summary>
    /// The host went down or was removed: this pool's members there stop counting (forgotten, not
    /// remembered as removed: what the host still runs when it returns is reconciled through owner
    /// records like any unknown container), and its claims turn lost with the reason.
    /// </summary>
    private bool LetGoOfHost(HostEntry host)
    {
        var hostId = host.HostId;
        var reason = host.State == HostState.Removed
            ? $"host {hostId} was removed"
            : $"host {hostId} down since {host.DownSince:u}";
        var members = Members.Where(m => m.HostId == hostId).ToList();
        foreach (var member in members)
        {
            _books.Forget(member);
            if (member.TenantId is { } tenantId && member.State == PoolMemberState.Creating)
            {
                _ = GrainFactory.GetGrain<ITenantGrain>(tenantId).OnMemberLost(Workload, member.MemberId, reason, host.DownSince ?? Now);
            }
        }
        var lost = 0;
        foreach (var claim in _books.Claims.OnHost(hostId).Where(c => c.LostSince is null).ToList())
        {
            claim.LostSince = Now;
            lost++;
            _ = GrainFactory.GetGrain<ITenantGrain>(claim.TenantId).OnMemberLost(Workload, claim.MemberId, reason, host.DownSince ?? Now);
        }
        _books.ForgetClaimedOn(hostId);
        // Claims this activation never heard of (it began after the host stopped reporting) are in the host's stored inventory.
        _ = LearnClaimsOnGoneHostAsync(hostId, members.Select(m => m.MemberId).ToHashSet(StringComparer.Ordinal));
        if (members.Count > 0 || lost > 0)
        {
            logger.LogWarning("Pool {Workload} lets go of {Host} ({Reason}): {Members} members no longer count, {Lost} claims are lost",
                Workload, hostId, reason, members.Count, lost);
        }
        return true;
    }

    /// <summary>
    /// Asks the owners of this workload's members in a gone host's inventory: each one still
    /// claimed comes back through <see cref="OnOwnerReported"/>, which turns it lost.
    /// </summary>
    private async Task LearnClaimsOnGoneHostAsync(string hostId, HashSet<string> forgotten)
    {
        HostInventoryEntry[] seen;
        try
        {
            seen = await GrainFactory.GetGrain<IHostInventoryGrain>(hostId).MembersOf(Workload);
        }
        catch (Exception ex)
        {
            logger.LogWarning("Pool {Workload} could not read host {Host}'s inventory; claims it did not know there stay until the host returns: {Error}", Workload, hostId, ex.Message);
            return;
        }
        // Members it kept and let go of just now are no claims; claims it knew are already lost.
        foreach (var entry in seen.Where(e => !forgotten.Contains(e.MemberId) && _books.Claims.Get(e.MemberId) is null && _books.Member(e.MemberId) is null))
        {
            _ = GrainFactory.GetGrain<IMemberOwnerGrain>(IMemberOwnerGrain.KeyOf(Workload, entry.MemberId)).ReportToPool();
        }
    }

    /// <summary>A draining host: idle members go (new ones come elsewhere); with eviction, each tenant there is asked to move.</summary>
    private bool DrainHost(HostEntry host)
    {
        var changed = false;
        foreach (var idle in Members.Where(m => m.HostId == host.HostId && m.State == PoolMemberState.Idle).ToList())
        {
            BeginDestroy(idle, $"host {host.HostId} is draining");
            changed = true;
        }
        if (host.Drain is { Evict: true })
        {
            foreach (var claim in _books.Claims.OnHost(host.HostId).Where(c => c.LostSince is null))
            {
                if (_evictionsAsked.TryGetValue(claim.MemberId, out var asked) && Now - asked < _options.ClaimAuditInterval) continue;
                _evictionsAsked[claim.MemberId] = Now;
                _ = GrainFactory.GetGrain<ITenantGrain>(claim.TenantId).Evict(Workload, claim.MemberId, $"host {host.HostId} is drained with eviction");
            }
        }
        return changed;
    }

    public async Task Configure(WorkloadSpec spec, string version)
    {
        if (_directory is null) await RefreshHostsAsync();
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

    /// <summary>The observed claim rate and create time, which size the pool above min_size.</summary>
    private readonly WarmTarget _warm = new();

    private void CheckClaimRate(PoolSpec pool)
    {
        var now = Now;
        if (pool.ClaimsPerMinute is not { } limit)
        {
            _warm.ClaimArrived(now);
            return;
        }
        while (_recentClaims.TryPeek(out var oldest) && now - oldest >= TimeSpan.FromMinutes(1)) _recentClaims.Dequeue();
        if (_recentClaims.Count >= limit)
        {
            var wait = _recentClaims.Peek() + TimeSpan.FromMinutes(1) - now;
            throw BerthException.Quota($"workload '{Workload}' hands out at most {limit} new claims per minute (pool.claims_per_minute)", Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)));
        }
        _recentClaims.Enqueue(now);
        _warm.ClaimArrived(now);
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
        if (_books.HeldBy(tenantId) is { } held)
        {
            if (held.LostSince is null)
            {
                _queue.Leave(tenantId);
                return Ticket(held, spec);
            }
            // Its container died: the tenant saved what it could and claims afresh; the old one goes.
            if (_books.EndClaim(tenantId, held.MemberId, held.Container, Now) is { } ended)
            {
                BeginDestroy(ended, "its tenant claimed again after losing it");
            }
        }
        _queue.Expire(Now);
        var place = _queue.PositionOf(tenantId);
        // A claim asking again from its place in line was counted when it arrived.
        if (place < 0) CheckClaimRate(spec.Pool);
        // A cold creation the tenant started and never finished (it crashed mid-claim) is abandoned.
        foreach (var stale in Members.Where(m => m.TenantId == tenantId && m.State == PoolMemberState.Creating).ToList())
        {
            BeginDestroy(stale, "superseded by a retried claim");
        }

        var idle = _books.NextIdle(IsUsable);
        // Idle members go to the line first (AssignToWaiting); a newcomer does not jump it.
        if (idle is not null && (place == 0 || _queue.Count == 0))
        {
            _queue.Leave(tenantId);
            var claim = _books.HandOut(idle, tenantId, ClaimSource.Warm, Now);
            await SaveAsync();
            return Ticket(claim, spec);
        }

        // Members on their way that no one ahead in line will take: waiting for one beats a cold create.
        var ahead = place < 0 ? _queue.Count : place;
        var coming = _books.Coming();
        var freeing = Members.Count(m => m.State == PoolMemberState.Destroying);
        var room = _books.Total < spec.Pool.MaxSize;
        var slowHealth = MemberDeadlines.ColdClaimRetryAfter(spec, _options);
        var canWait = spec.Pool.ClaimWait > TimeSpan.Zero && (slowHealth is null || slowHealth <= spec.Pool.ClaimWait.TotalSeconds);
        // Full: parked (paused, kept) containers make room, oldest first, so pausing never blocks other tenants.
        if (!room) freeing += AskParkedToYield(ahead - coming - freeing + 1);
        if (canWait && (ahead < coming || (!room && ahead < coming + freeing) || (room && slowHealth is not null)))
        {
            return await WaitInLineAsync(tenantId, spec);
        }
        _queue.Leave(tenantId);

        if (!room)
        {
            throw BerthException.AtMaxSize(
                $"pool '{Workload}' is at max_size ({spec.Pool.MaxSize}) with no idle member; retry later",
                _options.RetryAfterSeconds);
        }
        // The directory is refreshed each tick; a host that came back since is worth one fresh look before a 503.
        if (PickHost() is null) await RefreshHostsAsync();
        if (PickHost() is not { } hostId)
        {
            throw BerthException.Unavailable(
                $"pool '{Workload}' has no idle member and no host to create one on: {HostChoice.WhyNone(_directory?.Hosts ?? [], spec.Placement.Labels, h => _hostProblems.GetValueOrDefault(h))}",
                _options.RetryAfterSeconds);
        }
        if (slowHealth is { } retryAfter)
        {
            // The client should not wait that long: it comes back once a member had time to turn healthy.
            await EnsureMemberComingAsync();
            throw BerthException.Unavailable(
                $"pool '{Workload}' has no idle member, and a new one needs at least {retryAfter}s to pass its healthcheck; retry then",
                retryAfter);
        }
        var cold = _books.NewMember(hostId, tenantId, Now);
        cold.Source = ClaimSource.Cold;
        await PersistAsync();
        return new PoolClaimTicket(cold.MemberId, cold.HostId, ClaimSource.Cold, null,
            new MemberCreateRequest(cold.MemberId, spec, Books.Version, tenantId), spec);
    }

    private static PoolClaimTicket Ticket(ClaimedMember claim, WorkloadSpec spec) =>
        new(claim.MemberId, claim.HostId, claim.Source, claim.Container, null, spec);

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
        return Task.FromResult(Books.Spec is { } spec && _books.HeldBy(tenantId) is { LostSince: null } held ? Ticket(held, spec) : null);
    }

    /// <summary>
    /// Hands idle members to the claims in line, first come first served, recorded before the
    /// tenants are told (they find the member when they ask again). Returns whether any was handed.
    /// </summary>
    private bool AssignToWaiting()
    {
        var assigned = new List<string>();
        while (_queue.Count > 0)
        {
            var idle = _books.NextIdle(IsUsable);
            if (idle is null || _queue.Next(Now) is not { } tenantId) break;
            _books.HandOut(idle, tenantId, ClaimSource.Queued, Now);
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
        if (_books.Coming() > 0 || _books.Total >= Books.Spec!.Pool.MaxSize || PickHost() is not { } hostId)
        {
            return;
        }
        var member = _books.NewMember(hostId, tenantId: null, Now);
        await SaveAsync();
        _ = GrainFactory.GetGrain<IAgentHostGrain>(member.HostId)
            .CreateMember(new MemberCreateRequest(member.MemberId, Books.Spec!, Books.Version, null));
    }

    public async Task<RunningContainer> CompleteColdClaim(string tenantId, string memberId, RunningContainer container)
    {
        if (_books.Member(memberId) is not { } member || member.TenantId != tenantId || member.State != PoolMemberState.Creating)
        {
            // The reservation expired while the container was being made; do not keep an unowned container.
            _ = GrainFactory.GetGrain<IAgentHostGrain>(container.HostId).DestroyMember(Workload, memberId, container.ContainerId);
            throw BerthException.Unavailable($"the reservation for tenant '{tenantId}' in pool '{Workload}' expired; retry the claim", _options.RetryAfterSeconds);
        }
        member.ContainerId = container.ContainerId;
        member.Endpoints = container.Endpoints;
        member.StartedAt = container.StartedAt;
        member.Services = container.Services;
        var claim = _books.HandOut(member, tenantId, ClaimSource.Cold, Now);
        await PersistAsync();
        return claim.Container;
    }

    public Task ConfirmClaim(string tenantId, string memberId)
    {
        // Safe to lose: storage still holds the handoff, and the claim audit asks the tenant again.
        if (_books.Confirm(tenantId, memberId)) _unsavedChanges = true;
        return Task.CompletedTask;
    }

    public async Task AbandonClaim(string tenantId, string memberId, string reason, RunningContainer? container)
    {
        var member = _books.Member(memberId) is { State: PoolMemberState.Creating } creating && creating.TenantId == tenantId
            ? creating
            : _books.EndClaim(tenantId, memberId, container, Now);
        if (member is null || member.TenantId != tenantId)
        {
            return;
        }
        _lastError = reason;
        // Destroyed, never handed on: the tenant may have touched it. Removal goes by label too,
        // in case a create finished that nobody recorded.
        BeginDestroy(member, $"claim abandoned: {reason}");
        await SaveAsync();
    }

    public Task OnClaimModeChanged(string tenantId, string memberId, ClaimMode mode)
    {
        if (_books.Claims.Get(memberId) is { } claim && claim.TenantId == tenantId)
        {
            claim.Mode = mode;
            claim.ModeSince = Now;
            claim.YieldAskedAt = null;
        }
        return Task.CompletedTask;
    }

    /// <summary>How long a tenant asked to let a parked container go has before it is asked again.</summary>
    private static readonly TimeSpan YieldPatience = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Asks the tenants of the oldest parked claims to save and let them go, until <paramref name="wanted"/>
    /// are on their way out; returns how many are (asked recently, not yet released).
    /// </summary>
    private int AskParkedToYield(int wanted)
    {
        var parked = _books.Claims.All.Where(c => c.Mode == ClaimMode.Parked && c.LostSince is null).OrderBy(c => c.ModeSince).ToList();
        var asked = parked.Count(c => c.YieldAskedAt is { } at && Now - at < YieldPatience);
        foreach (var claim in parked.Where(c => c.YieldAskedAt is not { } at || Now - at >= YieldPatience))
        {
            if (asked >= wanted) break;
            claim.YieldAskedAt = Now;
            asked++;
            logger.LogInformation("Pool {Workload} is full: asking tenant {Tenant} to let its parked member {Member} go (parked since {Since:u})",
                Workload, claim.TenantId, claim.MemberId, claim.ModeSince);
            _ = GrainFactory.GetGrain<ITenantGrain>(claim.TenantId).YieldParked(Workload, claim.MemberId);
        }
        return asked;
    }

    public async Task BeginRelease(string tenantId, string memberId, RunningContainer? container)
    {
        // The tenant removes the container itself; if it dies first, the Destroying deadline
        // makes the host remove it instead.
        if (_books.EndClaim(tenantId, memberId, container, Now) is { } member)
        {
            if (IsGone(member.HostId)) _books.Forget(member); // Its host is down: reconciled when it returns.
            else if (member.State != PoolMemberState.Destroying) member.MoveTo(PoolMemberState.Destroying, Now);
        }
        await PersistAsync();
    }

    public async Task CompleteRelease(string tenantId, string memberId)
    {
        if (_books.Member(memberId) is { } member && member.TenantId == tenantId)
        {
            _books.Remove(member);
            logger.LogDebug("Member {Member} of {Workload} released by tenant {Tenant} and removed", memberId, Workload, tenantId);
        }
        await SaveAsync();
    }

    private bool Held => _books.ClaimedTotal > 0 || _books.Handoffs.Any() || _books.Claims.Count > 0
        || Members.Any(m => m.TenantId is not null && m.State == PoolMemberState.Creating);

    public async Task<bool> TryRetire()
    {
        if (Held)
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

    public async Task<bool> Retire()
    {
        var changed = !Books.Retired;
        Books.Retired = true;
        foreach (var member in Members.Where(m => m.State != PoolMemberState.Destroying && m.TenantId is null).ToList())
        {
            BeginDestroy(member, "workload retired");
            changed = true;
        }
        if (changed) await PersistAsync();
        return !Held;
    }

    public Task<string[]> ClaimHolders() => Task.FromResult(_books.Claims.All.Select(c => c.TenantId)
        .Concat(_books.Handoffs.Select(h => h.TenantId))
        .Concat(Members.Where(m => m.TenantId is not null && m.State == PoolMemberState.Creating).Select(m => m.TenantId!))
        .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());

    public Task<PoolView> GetView()
    {
        var now = Now;
        var claims = _books.Claims.All.OrderBy(c => c.Since).Take(MaxClaimsInView)
            .Select(c => new PoolMemberView(c.MemberId, c.Container.ContainerId, c.HostId,
                c.LostSince is null ? PoolMemberState.Claimed : PoolMemberState.Lost, c.TenantId, c.SpecVersion, c.CreatedAt,
                Math.Round((now - c.CreatedAt).TotalSeconds, 1)));
        var members = Members
            .OrderBy(m => m.CreatedAt)
            .Select(m => new PoolMemberView(m.MemberId, m.ContainerId, m.HostId, m.State, m.TenantId, m.SpecVersion, m.CreatedAt, Math.Round((now - m.CreatedAt).TotalSeconds, 1)))
            .Concat(claims)
            .ToArray();
        var lost = _books.Claims.All.Count(c => c.LostSince is not null);
        return Task.FromResult(new PoolView(
            Workload,
            Books.Version,
            Books.Spec?.Pool.MinSize ?? 0,
            Books.Spec?.Pool.MaxSize ?? 0,
            members.Count(m => m.State == PoolMemberState.Idle),
            Math.Max(0, _books.ClaimedTotal - lost),
            members.Count(m => m.State == PoolMemberState.Creating),
            members.Count(m => m.State == PoolMemberState.Destroying),
            members,
            _lastError,
            lost,
            Books.Spec is { } spec ? _warm.Members(spec.Pool, now) : 0,
            Math.Round(_warm.ClaimsPerSecond(now), 2)));
    }

    public async Task OnMemberCreated(string memberId, RunningContainer container)
    {
        if (_books.Member(memberId) is not { } member || member.State != PoolMemberState.Creating || member.TenantId is not null)
        {
            // Not a background create we are waiting for (expired, retired, or already handled): remove it.
            _ = GrainFactory.GetGrain<IAgentHostGrain>(container.HostId).DestroyMember(Workload, memberId, container.ContainerId);
            return;
        }
        member.ContainerId = container.ContainerId;
        member.Endpoints = container.Endpoints;
        member.StartedAt = container.StartedAt;
        member.Services = container.Services;
        _consecutiveCreateFailures = 0;
        if (Books.Retired || member.SpecVersion != Books.Version)
        {
            BeginDestroy(member, "spec changed while it was created");
        }
        else
        {
            _warm.MemberMade(Now - member.StateSince);
            member.MoveTo(PoolMemberState.Idle, Now);
            if (!AssignToWaiting() && RefillWanted() == 0)
            {
                // A member turning idle need not be durable at once: storage still says "creating",
                // and should this activation die first, its successor gives that slot up and the
                // orphan sweep removes the container. The next write (a claim, a tick) records it.
                _unsavedChanges = true;
                return;
            }
        }
        await SaveAsync();
    }

    public async Task OnMemberCreateFailed(string memberId, string error)
    {
        if (_books.Member(memberId) is not { State: PoolMemberState.Creating } member)
        {
            return;
        }
        _books.Remove(member);
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
        if (_books.Member(memberId) is { State: PoolMemberState.Destroying } member)
        {
            Removed(member);
            await SaveAsync();
        }
    }

    private void Removed(PoolMember member)
    {
        _books.Remove(member);
        if (member.TenantId is { } tenantId)
        {
            // A release or abandoned claim that the pool finished for the tenant (it may have died meanwhile).
            _ = GrainFactory.GetGrain<ITenantGrain>(tenantId).OnMemberLost(Workload, member.MemberId, "its container was removed");
        }
    }

    public async Task ObserveHost(HostReport report)
    {
        var hostId = report.HostId;
        if (HostEntryOf(hostId) is { State: HostState.Removed })
        {
            return; // No longer Berth's: what it still runs is left as it is.
        }
        if (report.Available) _hostProblems.Remove(hostId);
        else _hostProblems[hostId] = report.Problem ?? $"Docker host '{hostId}' is unavailable";
        if (report.Reachable) _unreachable.Remove(hostId);
        else _unreachable.Add(hostId);
        if (report.Containers is not { } containers)
        {
            return; // The engine did not answer: nothing can be concluded about its containers.
        }

        var diff = _books.Observe(hostId, containers, Now);
        var changed = false;
        foreach (var (member, why) in diff.IdleToReplace)
        {
            logger.LogWarning("Idle member {Member} of {Workload} on {Host} is replaced: {Reason} (container {ContainerId})",
                member.MemberId, Workload, hostId, why, member.ContainerId);
            BeginDestroy(member, why);
            changed = true;
        }
        foreach (var member in diff.RemovedUnheard)
        {
            logger.LogInformation("Member {Member} of {Workload} on {Host} was being removed and its container {ContainerId} is gone; done",
                member.MemberId, Workload, hostId, member.ContainerId);
            Removed(member);
            changed = true;
        }
        foreach (var (claim, why) in diff.ClaimsLost)
        {
            // Never handed out again, never removed behind the tenant's back: the claim turns Lost
            // and the tenant's release or next claim clears it.
            logger.LogWarning("Claimed member {Member} of {Workload} on {Host} is lost: {Reason} (container {ContainerId}, tenant {Tenant})",
                claim.MemberId, Workload, hostId, why, claim.Container.ContainerId, claim.TenantId);
            _ = GrainFactory.GetGrain<ITenantGrain>(claim.TenantId).OnMemberLost(Workload, claim.MemberId, why);
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
        LookUpOwners(diff.Unknown);
        RemoveOrphans(hostId, diff);
        if (diff.CountsChanged) _unsavedChanges = true;
        if (changed)
        {
            await SaveAsync();
        }
    }

    /// <summary>
    /// Asks the owner records of containers the books do not know (claims confirmed before this
    /// activation began) who holds them; the answers come back through OnOwnerReported. Bounded, so
    /// a restart under a hundred thousand claims learns them over a few reports, not in one storm.
    /// </summary>
    private void LookUpOwners(List<ObservedContainer> unknown)
    {
        foreach (var container in unknown)
        {
            if (_ownerLookups.Count >= MaxOwnerLookupsInFlight) break;
            if (container.MemberId.Length == 0 || _noOwnerSince.ContainsKey(container.MemberId) || _recovering.ContainsKey(container.MemberId)
                || !_ownerLookups.Add(container.MemberId)) continue;
            _ = GrainFactory.GetGrain<IMemberOwnerGrain>(IMemberOwnerGrain.KeyOf(Workload, container.MemberId)).ReportToPool();
        }
    }

    public Task OnOwnerReported(string memberId, MemberOwner? owner)
    {
        _ownerLookups.Remove(memberId);
        if (owner is null)
        {
            _noOwnerSince.TryAdd(memberId, Now);
        }
        else if (owner.StrandedSince is not null)
        {
            // Its tenant moved on while the host was down: its state is saved before it goes.
            if (!_recovering.TryGetValue(memberId, out var asked) || Now - asked > _options.MemberCreateDeadline)
            {
                _recovering[memberId] = Now;
                _ = GrainFactory.GetGrain<ITenantGrain>(owner.TenantId).RecoverContainer(Workload, memberId, owner.Container);
            }
        }
        else if (_books.Adopt(memberId, owner, Now) is { } claim)
        {
            _noOwnerSince.Remove(memberId);
            if (HostEntryOf(claim.HostId) is { State: HostState.Down or HostState.Removed } gone)
            {
                // Learned from a dead host's inventory: the claim is lost like those the pool knew.
                claim.LostSince = Now;
                var reason = gone.State == HostState.Removed ? $"host {gone.HostId} was removed" : $"host {gone.HostId} down since {gone.DownSince:u}";
                logger.LogWarning("Pool {Workload}: claim of {Tenant} on {Host} (from the host's inventory) is lost: {Reason}", Workload, claim.TenantId, gone.HostId, reason);
                _ = GrainFactory.GetGrain<ITenantGrain>(claim.TenantId).OnMemberLost(Workload, memberId, reason, gone.DownSince ?? Now);
                return Task.CompletedTask;
            }
            // The owner record is written before the claim is confirmed and cleared after its release;
            // the tenant's own record is the last word, so it is asked once.
            _ = GrainFactory.GetGrain<ITenantGrain>(claim.TenantId).VerifyClaim(Workload, memberId);
        }
        return Task.CompletedTask;
    }

    public Task OnContainerRecovered(string memberId, RunningContainer container)
    {
        _recovering.Remove(memberId);
        logger.LogInformation("Stranded container {ContainerId} (member {Member}) of {Workload} on {Host} is saved; removing it",
            container.ContainerId, memberId, Workload, container.HostId);
        _ = GrainFactory.GetGrain<IAgentHostGrain>(container.HostId).DestroyContainer(container.ContainerId);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A labelled container that no member or claim owns (left by a crash or a lost state) is
    /// removed once it has stayed unowned for the grace period and its owner record says nobody
    /// holds it; members are recorded before they are created, and claims' owners before they are
    /// confirmed, so a container of an in-flight create or claim is never mistaken for one.
    /// </summary>
    private void RemoveOrphans(string hostId, HostReportDiff diff)
    {
        var now = Now;
        var listed = new HashSet<string>(StringComparer.Ordinal);
        var candidates = diff.Duplicates.Concat(diff.Leftovers).Select(c => (Container: c, Sure: true))
            .Concat(diff.Unknown.Select(c => (Container: c, Sure: false)));
        foreach (var (container, sure) in candidates)
        {
            listed.Add(container.ContainerId);
            if (!_orphansSeen.TryGetValue(container.ContainerId, out var firstSeen))
            {
                _orphansSeen[container.ContainerId] = now;
                continue;
            }
            var unowned = sure || container.MemberId.Length == 0
                || _noOwnerSince.TryGetValue(container.MemberId, out var noOwner) && noOwner >= firstSeen;
            if (unowned && now - firstSeen >= _options.OrphanGracePeriod)
            {
                logger.LogWarning("Removing orphan container {ContainerId} (member {Member}) of {Workload} on {Host}: no pool member or claim owns it",
                    container.ContainerId, container.MemberId, Workload, hostId);
                // By container id alone: removing by its member label could take a real member's container with it.
                _ = GrainFactory.GetGrain<IAgentHostGrain>(hostId).DestroyContainer(container.ContainerId);
                _orphansSeen.Remove(container.ContainerId);
                _noOwnerSince.Remove(container.MemberId);
            }
        }
        foreach (var gone in _orphansSeen.Where(o => !listed.Contains(o.Key) && now - o.Value > _options.OrphanGracePeriod * 4).Select(o => o.Key).ToList())
        {
            _orphansSeen.Remove(gone);
        }
    }

    private static readonly TimeSpan LostCreateSlack = TimeSpan.FromSeconds(5);

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        await RefreshHostsAsync();
        Telemetry.BerthGauges.ReportPool(Workload, Telemetry.PoolCounts.Of(_books));
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
            // Idle members above the warm target (min_size, or more while claims come fast) are
            // evicted once idle longer than idle_timeout, oldest first.
            var idle = Members.Where(m => m.State == PoolMemberState.Idle).OrderBy(m => m.StateSince).ToList();
            var surplus = idle.Count - _warm.Members(spec.Pool, now);
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
        if (Books.Retired && _books.Total == 0 && !_books.Handoffs.Any())
        {
            _ticker?.Dispose();
            _ticker = null;
            foreach (var host in _directory?.Hosts ?? [])
            {
                _ = GrainFactory.GetGrain<IAgentHostGrain>(host.HostId).Unsubscribe(Workload);
            }
            DeactivateOnIdle();
        }
    }

    /// <summary>
    /// Now and then: asks each tenant whose handoff it never confirmed whether it holds the member
    /// (a tenant whose silo died between the pool's reservation and its own record does not, and
    /// gives it up), and releases claims lost longer than <c>pool.lost_timeout</c>. Only claims in
    /// flight or lost are visited: a tenant that holds its container is never woken up for this.
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
        foreach (var handoff in _books.Handoffs.Where(h => now - h.ReservedAt > _options.ClaimAuditInterval))
        {
            _ = GrainFactory.GetGrain<ITenantGrain>(handoff.TenantId).VerifyClaim(Workload, handoff.MemberId);
        }
        foreach (var claim in _books.Claims.All.Where(c => c.LostSince is { } since && now - since > lostTimeout))
        {
            _ = GrainFactory.GetGrain<ITenantGrain>(claim.TenantId).ReleaseLost(Workload, claim.MemberId);
        }
        foreach (var stale in _noOwnerSince.Where(n => now - n.Value > _options.OrphanGracePeriod * 4).Select(n => n.Key).ToList())
        {
            _noOwnerSince.Remove(stale);
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
        var created = new List<PoolMember>();
        for (var i = 0; i < wanted && PickHost() is { } hostId; i++)
        {
            created.Add(_books.NewMember(hostId, tenantId: null, Now));
        }
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
        return _books.RefillWanted(spec.Pool, _warm.Members(spec.Pool, Now), _queue.Count, _options.MaxCreatesInFlightPerPool);
    }

    /// <summary>
    /// Whether the host's idle members may be handed out: it answers and is active or cordoned. A
    /// host that only fails creates keeps serving its healthy idle members.
    /// </summary>
    private bool IsUsable(string hostId) => !_unreachable.Contains(hostId) && (_directory is null || HostEntryOf(hostId) is { Serves: true });

    private string? PickHost()
    {
        if (_directory is null || Books.Spec is not { } spec) return null;
        var creating = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var member in Members)
        {
            if (member.State == PoolMemberState.Creating) creating[member.HostId] = creating.GetValueOrDefault(member.HostId) + 1;
        }
        return HostChoice.Pick(_directory.Hosts, spec.Placement.Labels, h => creating.GetValueOrDefault(h),
            h => !_hostProblems.ContainsKey(h) && !_unreachable.Contains(h), Random.Shared);
    }

    private void BeginDestroy(PoolMember member, string reason)
    {
        if (IsGone(member.HostId))
        {
            // Nothing can be asked of a down host; what it still runs is reconciled when it returns.
            _books.Forget(member);
            logger.LogInformation("Forgetting member {Member} of {Workload} on {Host}, which is down: {Reason}", member.MemberId, Workload, member.HostId, reason);
            return;
        }
        member.MoveTo(PoolMemberState.Destroying, Now);
        logger.LogInformation("Destroying member {Member} of {Workload} (container {ContainerId}): {Reason}", member.MemberId, Workload, member.ContainerId ?? "none", reason);
        _ = GrainFactory.GetGrain<IAgentHostGrain>(member.HostId).DestroyMember(Workload, member.MemberId, member.ContainerId);
    }

    /// <summary>In-memory changes that are safe to lose (see OnMemberCreated, ConfirmClaim), written by the next tick at the latest.</summary>
    private bool _unsavedChanges;

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        Telemetry.BerthGauges.ForgetPool(Workload);
        if (_unsavedChanges)
        {
            await PersistAsync();
        }
    }

    /// <summary>
    /// Writes the state; if that fails, this activation's memory may be ahead of storage, so it is
    /// dropped (the next call reactivates from what was really stored) before the error goes on.
    /// </summary>
    private async Task PersistAsync()
    {
        _unsavedChanges = false;
        await state.WriteOrDeactivateAsync(this);
        TellReserved();
    }
}
