using Berth.Contracts;

namespace Berth.Pools;

/// <summary>
/// Where a pool creates its next member: among hosts that take new members and carry every label
/// the workload's <c>placement.labels</c> asks for, the one with the most free capacity (its
/// capacity less what it last reported and what this pool is creating there); ties break at
/// random, so pools of one member do not all land on the first host.
/// </summary>
public static class HostChoice
{
    public static string? Pick(IEnumerable<HostEntry> hosts, IReadOnlyDictionary<string, string> labels,
        Func<string, int> creatingOn, Func<string, bool> usable, Random random)
    {
        string? best = null;
        var bestFree = long.MinValue;
        var ties = 0;
        foreach (var host in hosts)
        {
            // The host's own problems (unhealthy, egress unmanaged) come through usable: the pool's report of them is fresher than the registry's.
            if (host.State != HostState.Active || !usable(host.HostId) || !Matches(host, labels)) continue;
            var free = host.FreeCapacity - creatingOn(host.HostId);
            if (free <= 0) continue;
            if (free > bestFree)
            {
                best = host.HostId;
                bestFree = free;
                ties = 1;
            }
            else if (free == bestFree && random.Next(++ties) == 0)
            {
                best = host.HostId; // Reservoir sampling: each tied host is equally likely.
            }
        }
        return best;
    }

    public static bool Matches(HostEntry host, IReadOnlyDictionary<string, string> labels) =>
        labels.All(l => host.Registration.Labels.TryGetValue(l.Key, out var value) && value == l.Value);

    /// <summary>Why no host was chosen, for the claim's 503.</summary>
    public static string WhyNone(IReadOnlyCollection<HostEntry> hosts, IReadOnlyDictionary<string, string> labels, Func<string, string?> problemOf)
    {
        if (hosts.Count == 0) return "no Docker host is registered";
        var reasons = hosts.Select(h =>
            h.State is not HostState.Active ? $"'{h.HostId}' is {h.State.ToString().ToLowerInvariant()}{(h.DownSince is { } since ? $" since {since:u}" : "")}"
            : !Matches(h, labels) ? $"'{h.HostId}' lacks placement.labels {string.Join(",", labels.Select(l => $"{l.Key}={l.Value}"))}"
            : problemOf(h.HostId) ?? h.Problem ?? (h.FreeCapacity <= 0 ? $"'{h.HostId}' is full ({h.Containers} of {h.Registration.MaxContainers} containers)" : $"'{h.HostId}' is busy"));
        return string.Join("; ", reasons);
    }
}
