using Berth.Contracts;

namespace Berth.Grains;

/// <summary>
/// One long change tracked as a resource (key: operation id). Its state is stored, and a reminder
/// brings it back after its silo is lost, so it keeps advancing (see docs/operations.md).
/// </summary>
[Alias("Berth.Grains.IOperationGrain")]
public interface IOperationGrain : IGrainWithStringKey
{
    /// <summary>Starts the plan (idempotent: a started operation answers with its record).</summary>
    [Alias("Start")]
    Task<OperationRecord> Start(OperationPlan plan);

    /// <summary>The record; null for an id no operation was started under.</summary>
    [Alias("Get")]
    Task<OperationRecord?> Get();

    /// <summary>Asks it to stop: 404 when unknown, 409 when it has already finished; cancelling again is the same answer.</summary>
    [Alias("Cancel")]
    Task<OperationRecord> Cancel();

    /// <summary>Wakes it (after a silo loss) without changing anything.</summary>
    [OneWay]
    [Alias("Wake")]
    Task Wake();
}
