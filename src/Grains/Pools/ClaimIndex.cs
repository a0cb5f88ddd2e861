namespace Berth.Pools;

/// <summary>
/// The claimed members a pool knows of, in memory only: filled by its own handoffs and, after a
/// restart, by the owners of the containers hosts report. Lets a host report turn a dead
/// container's claim Lost without the pool's stored books holding every claim.
/// </summary>
public sealed class ClaimIndex
{
    private readonly Dictionary<string, ClaimedMember> _byMember = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _memberOfTenant = new(StringComparer.Ordinal);
    /// <summary>Claims by host: a host report visits its own, not every claim of the pool.</summary>
    private readonly Dictionary<string, Dictionary<string, ClaimedMember>> _byHost = new(StringComparer.Ordinal);

    public int Count => _byMember.Count;
    public IEnumerable<ClaimedMember> All => _byMember.Values;

    public IEnumerable<ClaimedMember> OnHost(string hostId) =>
        _byHost.TryGetValue(hostId, out var claims) ? claims.Values : [];

    public ClaimedMember? Get(string memberId) => _byMember.GetValueOrDefault(memberId);

    public ClaimedMember? OfTenant(string tenantId) =>
        _memberOfTenant.TryGetValue(tenantId, out var memberId) ? _byMember.GetValueOrDefault(memberId) : null;

    public void Add(ClaimedMember claim)
    {
        Remove(claim.MemberId);
        // A tenant holds one member per workload: a newer claim replaces what memory had of an older one.
        if (OfTenant(claim.TenantId) is { } older) Remove(older.MemberId);
        _byMember[claim.MemberId] = claim;
        _memberOfTenant[claim.TenantId] = claim.MemberId;
        if (!_byHost.TryGetValue(claim.HostId, out var onHost)) _byHost[claim.HostId] = onHost = new(StringComparer.Ordinal);
        onHost[claim.MemberId] = claim;
    }

    public ClaimedMember? Remove(string memberId)
    {
        if (!_byMember.Remove(memberId, out var claim)) return null;
        if (_memberOfTenant.GetValueOrDefault(claim.TenantId) == memberId) _memberOfTenant.Remove(claim.TenantId);
        if (_byHost.TryGetValue(claim.HostId, out var onHost) && onHost.Remove(memberId) && onHost.Count == 0) _byHost.Remove(claim.HostId);
        return claim;
    }
}
