using Berth.Contracts;
using Berth.Errors;

namespace Berth.Hosts;

public enum HostAction { Cordon, Uncordon, Drain, Remove }

/// <summary>
/// What an operator's action does to a host's wanted state: one table, so that every pair is
/// decided in one place. Down is not here: it comes and goes with the host's heartbeat, and an
/// action on a down host changes what it will be once it answers again.
/// </summary>
public static class HostActions
{
    private static readonly Dictionary<(HostState From, HostAction Action), HostState> Table = new()
    {
        [(HostState.Active, HostAction.Cordon)] = HostState.Cordoned,
        [(HostState.Cordoned, HostAction.Cordon)] = HostState.Cordoned,
        // Cordoning a draining host stops the drain where it is; what is gone stays gone.
        [(HostState.Draining, HostAction.Cordon)] = HostState.Cordoned,
        [(HostState.Active, HostAction.Uncordon)] = HostState.Active,
        [(HostState.Cordoned, HostAction.Uncordon)] = HostState.Active,
        [(HostState.Draining, HostAction.Uncordon)] = HostState.Active,
        [(HostState.Active, HostAction.Drain)] = HostState.Draining,
        [(HostState.Cordoned, HostAction.Drain)] = HostState.Draining,
        [(HostState.Draining, HostAction.Drain)] = HostState.Draining,
        [(HostState.Active, HostAction.Remove)] = HostState.Removed,
        [(HostState.Cordoned, HostAction.Remove)] = HostState.Removed,
        [(HostState.Draining, HostAction.Remove)] = HostState.Removed,
        [(HostState.Removed, HostAction.Remove)] = HostState.Removed,
    };

    /// <summary>The wanted state after the action; a 409 naming why when the action does not apply.</summary>
    public static HostState Apply(string hostId, HostState wanted, HostAction action) =>
        Table.TryGetValue((wanted, action), out var next)
            ? next
            : throw BerthException.Conflict($"host '{hostId}' is {wanted.ToString().ToLowerInvariant()}; it cannot be {Verb(action)} (register it again first)");

    private static string Verb(HostAction action) => action switch
    {
        HostAction.Cordon => "cordoned",
        HostAction.Uncordon => "uncordoned",
        HostAction.Drain => "drained",
        _ => "removed",
    };
}
