using Berth.Contracts;

namespace Berth.Operations;

/// <summary>The index's stored part: one entry per operation it keeps, in start order.</summary>
[GenerateSerializer, Alias("Berth.Operations.OperationIndexState")]
public sealed class OperationIndexState
{
    [Id(0)] public List<OperationIndexEntry> Entries { get; set; } = [];
}

/// <summary>What the list filters on; the rest of an operation is read from its own grain.</summary>
[GenerateSerializer, Alias("Berth.Operations.OperationIndexEntry")]
public sealed class OperationIndexEntry
{
    [Id(0)] public required string Id { get; set; }
    [Id(1)] public OperationKind Kind { get; set; }
    [Id(2)] public string Target { get; set; } = "";
    [Id(3)] public DateTimeOffset StartedAt { get; set; }
    [Id(4)] public bool Finished { get; set; }
}
