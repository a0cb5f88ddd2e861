namespace Berth.Contracts;

/// <summary>
/// An operation as the API shows it (docs/operations.md): progress is <see cref="Done"/> of
/// <see cref="Total"/> (the total may grow while it runs), <see cref="Version"/> grows on every change.
/// </summary>
[GenerateSerializer, Alias("Berth.Contracts.OperationRecord"), Immutable]
public sealed record OperationRecord
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required OperationKind Kind { get; init; }
    [Id(2)] public required string Target { get; init; }
    [Id(3)] public OperationState State { get; init; }
    [Id(4)] public int Done { get; init; }
    [Id(5)] public int Total { get; init; }
    [Id(6)] public string Message { get; init; } = "";
    [Id(7)] public OperationError[] Errors { get; init; } = [];
    [Id(8)] public string StartedBy { get; init; } = "";
    [Id(9)] public DateTimeOffset StartedAt { get; init; }
    [Id(10)] public DateTimeOffset UpdatedAt { get; init; }
    [Id(11)] public DateTimeOffset? CompletedAt { get; init; }
    [Id(12)] public long Version { get; init; }

    public bool Finished => State is OperationState.Succeeded or OperationState.Failed or OperationState.Cancelled;
}
