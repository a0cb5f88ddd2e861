using Berth.Contracts;
using Berth.Errors;

namespace Berth.Operations;

/// <summary>What happens to an operation: asked to stop, its work done, its undo done, or a step that cannot succeed.</summary>
public enum OperationEvent { Cancel, Complete, Undone, Fail }

/// <summary>
/// An operation's states as one table. A pair not in it changes nothing (a drain that completes
/// while its cancel is being undone stays cancelling: the undo wins), except a cancel of a
/// finished operation, which is a 409.
/// </summary>
public static class OperationTransitions
{
    private static readonly Dictionary<(OperationState From, OperationEvent Event), OperationState> Table = new()
    {
        [(OperationState.Running, OperationEvent.Cancel)] = OperationState.Cancelling,
        [(OperationState.Running, OperationEvent.Complete)] = OperationState.Succeeded,
        [(OperationState.Running, OperationEvent.Fail)] = OperationState.Failed,
        [(OperationState.Cancelling, OperationEvent.Cancel)] = OperationState.Cancelling,
        [(OperationState.Cancelling, OperationEvent.Undone)] = OperationState.Cancelled,
        // The undo itself cannot be done (a rollback refused, say): failed, with the error saying why.
        [(OperationState.Cancelling, OperationEvent.Fail)] = OperationState.Failed,
    };

    public static bool IsTerminal(OperationState state) => state is OperationState.Succeeded or OperationState.Failed or OperationState.Cancelled;

    /// <summary>The state after the event, or the same state when the event does not apply.</summary>
    public static OperationState Apply(OperationState from, OperationEvent e) => Table.TryGetValue((from, e), out var next) ? next : from;

    /// <summary>The state a cancel leads to; a 409 naming the state when the operation has finished.</summary>
    public static OperationState Cancel(string id, OperationState from) =>
        Table.TryGetValue((from, OperationEvent.Cancel), out var next)
            ? next
            : throw BerthException.Conflict($"operation '{id}' has already finished ({from.ToString().ToLowerInvariant()})");
}
