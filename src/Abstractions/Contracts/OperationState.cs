namespace Berth.Contracts;

/// <summary>
/// Where an operation is: <see cref="Running"/> and <see cref="Cancelling"/> go on; the other three
/// are terminal (see OperationTransitions in the grains).
/// </summary>
public enum OperationState
{
    Running,
    /// <summary>Asked to stop: its undo (cordon, rollback, old sizes, no further claims) is being done.</summary>
    Cancelling,
    Succeeded,
    Failed,
    Cancelled,
}
