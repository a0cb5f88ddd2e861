using Berth.Contracts;
using Berth.Errors;

namespace Berth.Hosts;

/// <summary>
/// The registry's bookkeeping without Orleans: registrations, operators' actions (see
/// <see cref="HostActions"/>), heartbeats and the silence that makes a host down. Heartbeats are
/// kept in memory; a new activation gives every host a fresh <c>HostDownAfter</c> to be heard.
/// </summary>
public sealed class HostRegistryBooks
{
    private readonly HostRegistryState _state;
    private readonly Dictionary<string, Liveness> _live = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _activatedAt;

    private sealed class Liveness
    {
        public DateTimeOffset? LastHeard;
        public int Containers;
        public string? Problem;
        public string Egress = "unknown";
        public int CreatesInFlight;
    }

    public HostRegistryBooks(HostRegistryState state, DateTimeOffset activatedAt)
    {
        _state = state;
        _activatedAt = activatedAt;
        // Unique across activations, so a pool holding an older activation's version always refreshes.
        Version = activatedAt.ToUnixTimeMilliseconds() * 1000;
    }

    /// <summary>Changes with anything a pool's placement depends on (states, labels, counts, problems).</summary>
    public long Version { get; private set; }

    public IEnumerable<string> HostIds => _state.Hosts.Keys;

    /// <summary>Adds or updates a host; returns its entry and whether the stored state changed.</summary>
    public (HostEntry Entry, bool Changed) Register(HostRegistration registration, DateTimeOffset now)
    {
        if (!_state.Hosts.TryGetValue(registration.HostId, out var host))
        {
            host = _state.Hosts[registration.HostId] = new RegisteredHost { Registration = registration, RegisteredAt = now, StateSince = now };
            Version++;
            return (Entry(host), true);
        }
        var changed = !SameRegistration(host.Registration, registration);
        if (host.Wanted == HostState.Removed)
        {
            // A silo's configuration does not bring back a host an operator removed; an agent or an operator does.
            if (registration.Source == "configuration") return (Entry(host), false);
            host.Wanted = HostState.Active;
            host.StateSince = now;
            host.Drain = null;
            changed = true;
        }
        host.Registration = registration;
        if (changed) Version++;
        return (Entry(host), changed);
    }

    private static bool SameRegistration(HostRegistration a, HostRegistration b) =>
        a with { Labels = b.Labels } == b && a.Labels.Count == b.Labels.Count && a.Labels.All(l => b.Labels.TryGetValue(l.Key, out var v) && v == l.Value);

    /// <summary>Records a sweep's word. Returns whether the stored state changed (the host came back, a drain moved on).</summary>
    public bool Heartbeat(HostHeartbeat heartbeat, DateTimeOffset now)
    {
        if (!_state.Hosts.TryGetValue(heartbeat.HostId, out var host) || host.Wanted == HostState.Removed)
        {
            return false;
        }
        var live = Live(heartbeat.HostId);
        if (live.Containers != heartbeat.Containers || live.Problem != heartbeat.Problem || live.Egress != heartbeat.Egress)
        {
            Version++;
        }
        live.Containers = heartbeat.Containers;
        live.Problem = heartbeat.Problem;
        live.Egress = heartbeat.Egress;
        live.CreatesInFlight = heartbeat.CreatesInFlight;
        if (!heartbeat.Reachable)
        {
            return false;
        }
        live.LastHeard = now;
        var changed = false;
        if (host.DownSince is not null)
        {
            host.DownSince = null;
            host.StateSince = now;
            Version++;
            changed = true;
        }
        // The first sweep after the drain began may be the one that completes it: the count the drain
        // started from can be older than a container created just before.
        if (host.Wanted == HostState.Draining && host.Drain is { } drain
            && (drain.Remaining != heartbeat.Containers || (drain.CompletedAt is null && heartbeat.Containers == 0)))
        {
            host.Drain = drain with
            {
                Total = Math.Max(drain.Total, heartbeat.Containers),
                Remaining = heartbeat.Containers,
                CompletedAt = heartbeat.Containers == 0 ? now : null,
            };
            changed = true;
        }
        return changed;
    }

    /// <summary>Hosts silent for longer than <paramref name="downAfter"/> turn down; returns them.</summary>
    public List<HostEntry> MarkSilentDown(TimeSpan downAfter, DateTimeOffset now)
    {
        var down = new List<HostEntry>();
        foreach (var host in _state.Hosts.Values)
        {
            if (host.Wanted == HostState.Removed || host.DownSince is not null) continue;
            var lastHeard = Live(host.Registration.HostId).LastHeard ?? (host.RegisteredAt > _activatedAt ? host.RegisteredAt : _activatedAt);
            if (now - lastHeard <= downAfter) continue;
            host.DownSince = lastHeard;
            host.StateSince = now;
            Version++;
            down.Add(Entry(host));
        }
        return down;
    }

    /// <summary>An operator's action; throws 404 for an unknown host and 409 where the action does not apply.</summary>
    public HostEntry Act(string hostId, HostAction action, DateTimeOffset now, bool evict = false, bool force = false, string? operationId = null)
    {
        var host = _state.Hosts.GetValueOrDefault(hostId) ?? throw BerthException.NotFound($"host '{hostId}' is not registered");
        var containers = Live(hostId).Containers;
        if (action == HostAction.Remove && containers > 0 && !force && host.Wanted != HostState.Removed)
        {
            throw BerthException.Conflict($"host '{hostId}' still runs {containers} Berth containers; drain it first, or remove it with force=true (its containers are then left as they are)");
        }
        var next = HostActions.Apply(hostId, host.Wanted, action);
        if (next == HostState.Draining)
        {
            // A second drain with evict turns eviction on; one without it does not turn it off. It keeps its operation.
            host.Drain = host.Drain is { } running && host.Wanted == HostState.Draining
                ? running with { Evict = running.Evict || evict, OperationId = running.OperationId ?? operationId }
                // Never complete at once: done only once a sweep after this moment finds the host empty.
                : new HostDrain(evict, now, containers, containers, null, operationId);
        }
        else
        {
            host.Drain = null;
        }
        if (next != host.Wanted)
        {
            host.Wanted = next;
            host.StateSince = now;
        }
        Version++;
        return Entry(host);
    }

    public HostEntry? Entry(string hostId) => _state.Hosts.TryGetValue(hostId, out var host) ? Entry(host) : null;

    public HostEntry[] Entries() => [.. _state.Hosts.Values.OrderBy(h => h.Registration.HostId, StringComparer.Ordinal).Select(Entry)];

    private HostEntry Entry(RegisteredHost host)
    {
        var live = Live(host.Registration.HostId);
        return new HostEntry
        {
            Registration = host.Registration,
            State = host.Wanted == HostState.Removed ? HostState.Removed : host.DownSince is not null ? HostState.Down : host.Wanted,
            StateSince = host.StateSince,
            RegisteredAt = host.RegisteredAt,
            LastHeartbeat = live.LastHeard,
            DownSince = host.Wanted == HostState.Removed ? null : host.DownSince,
            Containers = live.Containers,
            CreatesInFlight = live.CreatesInFlight,
            Problem = live.Problem,
            Egress = live.Egress,
            Drain = host.Drain,
        };
    }

    private Liveness Live(string hostId) => _live.TryGetValue(hostId, out var live) ? live : _live[hostId] = new Liveness();
}
