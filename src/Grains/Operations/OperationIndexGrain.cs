using Berth.Configuration;
using Berth.Contracts;
using Berth.Grains;
using Berth.State;

namespace Berth.Operations;

/// <summary>
/// Lists operations (see <see cref="OperationIndex"/>). On activation it wakes every unfinished
/// operation, so that one whose silo died resumes as soon as anyone lists them, not only at its reminder.
/// </summary>
// The grain type is part of every stored state's key: fixed here, so renaming the class keeps its state.
[GrainType("operationindex")]
public sealed class OperationIndexGrain(
    [PersistentState("operations", StorageNames.Berth)] IPersistentState<OperationIndexState> state) : Grain, IOperationIndexGrain
{
    private OperationIndex _index = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _index = new OperationIndex(state.State);
        foreach (var id in _index.Unfinished) _ = GrainFactory.GetGrain<IOperationGrain>(id).Wake();
        return Task.CompletedTask;
    }

    public async Task Record(OperationRecord operation)
    {
        if (_index.Record(operation)) await state.WriteOrDeactivateAsync(this);
    }

    public Task<string[]> List(OperationFilter filter) => Task.FromResult(_index.List(filter));
}
