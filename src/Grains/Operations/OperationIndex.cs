using Berth.Contracts;

namespace Berth.Operations;

/// <summary>
/// The index's bookkeeping without Orleans: newest first, every unfinished operation kept, finished
/// ones trimmed past <see cref="MaxFinished"/> (their grains keep their records).
/// </summary>
public sealed class OperationIndex(OperationIndexState state)
{
    public const int MaxFinished = 500;

    /// <summary>Records a start or a state change; returns whether the stored index changed.</summary>
    public bool Record(OperationRecord operation)
    {
        var entry = state.Entries.Find(e => e.Id == operation.Id);
        if (entry is null)
        {
            entry = new OperationIndexEntry { Id = operation.Id, Kind = operation.Kind, Target = operation.Target, StartedAt = operation.StartedAt };
            // Kept in start order, so that listing newest first is a reverse walk.
            var at = state.Entries.FindLastIndex(e => e.StartedAt <= operation.StartedAt) + 1;
            state.Entries.Insert(at, entry);
        }
        else if (entry.Finished == operation.Finished)
        {
            return false;
        }
        entry.Finished = operation.Finished;
        Trim();
        return true;
    }

    private void Trim()
    {
        var finished = state.Entries.Count(e => e.Finished);
        for (var i = 0; i < state.Entries.Count && finished > MaxFinished;)
        {
            if (state.Entries[i].Finished)
            {
                state.Entries.RemoveAt(i);
                finished--;
            }
            else
            {
                i++;
            }
        }
    }

    public string[] List(OperationFilter filter) =>
    [
        .. Enumerable.Reverse(state.Entries)
            .Where(e => filter.Unfinished is not { } unfinished || e.Finished != unfinished)
            .Where(e => filter.Kind is not { } kind || e.Kind == kind)
            .Where(e => filter.Target is not { } target || e.Target == target)
            .Take(filter.Limit)
            .Select(e => e.Id),
    ];

    public IEnumerable<string> Unfinished => state.Entries.Where(e => !e.Finished).Select(e => e.Id);
}
