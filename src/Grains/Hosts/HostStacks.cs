using Berth.Contracts;

namespace Berth.Hosts;

/// <summary>
/// Which containers of one host form stack members, so that any one of them stands for its whole
/// stack (pause, stop, start, remove), and so that the pools see one container per member. Kept
/// from each sweep's listing (Docker's labels are the truth) and from this activation's creates.
/// </summary>
public sealed class HostStacks
{
    private Dictionary<string, List<StackContainer>> _members = new(StringComparer.Ordinal);
    private Dictionary<string, string> _memberOf = new(StringComparer.Ordinal);
    /// <summary>When each member was learnt from a create: a listing older than that does not know it yet.</summary>
    private readonly Dictionary<string, DateTimeOffset> _addedAt = new(StringComparer.Ordinal);

    /// <summary>Whether a listing filled this in since the activation began (until then, creates only).</summary>
    public bool Listed { get; private set; }

    /// <summary>What a listing of the host's stack containers shows; members created after it was taken (<paramref name="listedAt"/>) stay.</summary>
    public void Replace(IEnumerable<ObservedContainer> listed, DateTimeOffset listedAt)
    {
        var members = listed.Where(c => c.Service is not null && c.MemberId.Length > 0)
            .GroupBy(c => c.MemberId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(c => new StackContainer(c.MemberId, c.Service!, c.ContainerId, c.ServiceOrder, c.Primary)).OrderBy(c => c.Order).ToList(), StringComparer.Ordinal);
        foreach (var (member, addedAt) in _addedAt.ToList())
        {
            if (addedAt < listedAt) _addedAt.Remove(member);
            else if (!members.ContainsKey(member) && _members.TryGetValue(member, out var known)) members[member] = known;
        }
        _members = members;
        _memberOf = members.Values.SelectMany(m => m).ToDictionary(c => c.ContainerId, c => c.MemberId, StringComparer.Ordinal);
        Listed = true;
    }

    public void Add(IReadOnlyList<StackContainer> containers, DateTimeOffset now)
    {
        if (containers.Count == 0) return;
        var memberId = containers[0].MemberId;
        Forget(memberId);
        _addedAt[memberId] = now;
        _members[memberId] = [.. containers.OrderBy(c => c.Order)];
        foreach (var container in containers) _memberOf[container.ContainerId] = memberId;
    }

    public void Forget(string memberId)
    {
        _addedAt.Remove(memberId);
        if (!_members.Remove(memberId, out var containers)) return;
        foreach (var container in containers) _memberOf.Remove(container.ContainerId);
    }

    /// <summary>The stack (in start order) that <paramref name="containerId"/> belongs to; null for a one-container member or an unknown id.</summary>
    public IReadOnlyList<StackContainer>? StackOf(string containerId) =>
        _memberOf.TryGetValue(containerId, out var member) ? _members[member] : null;

    public IReadOnlyList<StackContainer>? Member(string memberId) => _members.GetValueOrDefault(memberId);

    /// <summary>
    /// One container per stack member, as the pools expect: the primary's id, and the state of the
    /// first service that does not serve (so a dead or unhealthy service makes the member so). A
    /// stack missing a service is dead; one whose primary is gone is reported dead under another of
    /// its containers, to be removed as an orphan.
    /// </summary>
    public static List<ObservedContainer> Fold(IReadOnlyList<ObservedContainer> listed)
    {
        var result = listed.Where(c => c.Service is null).ToList();
        foreach (var stack in listed.Where(c => c.Service is not null).GroupBy(c => c.MemberId, StringComparer.Ordinal))
        {
            var containers = stack.OrderBy(c => c.ServiceOrder).ToList();
            var primary = containers.FirstOrDefault(c => c.Primary);
            var representative = primary ?? containers[0];
            var failing = containers.FirstOrDefault(c => !c.IsServing);
            var incomplete = containers.Count < containers.Max(c => c.ServiceCount);
            result.Add(primary is null || incomplete
                ? representative with { State = "dead", Health = null }
                : failing is null ? representative : representative with { State = failing.State, Health = failing.Health });
        }
        return result;
    }
}
