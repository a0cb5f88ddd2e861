namespace Berth.Pools;

/// <summary>
/// Claims waiting for a member, in arrival order, each with its deadline. Kept in memory only: a
/// waiting tenant asks again until its deadline, so a new activation's line rebuilds itself.
/// </summary>
public sealed class ClaimQueue
{
    private readonly List<(string Tenant, DateTimeOffset Deadline)> _waiting = [];

    public int Count => _waiting.Count;

    /// <summary>The tenant's place in line (0 is next), or -1.</summary>
    public int PositionOf(string tenant) => _waiting.FindIndex(w => w.Tenant == tenant);

    /// <summary>Puts the tenant at the end of the line, or keeps its place; returns the place.</summary>
    public int Join(string tenant, DateTimeOffset deadline)
    {
        var position = PositionOf(tenant);
        if (position >= 0) return position;
        _waiting.Add((tenant, deadline));
        return _waiting.Count - 1;
    }

    public void Leave(string tenant) => _waiting.RemoveAll(w => w.Tenant == tenant);

    /// <summary>Takes the first tenant still within its deadline off the line; those past it are dropped.</summary>
    public string? Next(DateTimeOffset now)
    {
        Expire(now);
        if (_waiting.Count == 0) return null;
        var next = _waiting[0].Tenant;
        _waiting.RemoveAt(0);
        return next;
    }

    public void Expire(DateTimeOffset now) => _waiting.RemoveAll(w => w.Deadline <= now);
}
