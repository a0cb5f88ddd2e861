namespace Berth.Contracts;

/// <summary>One thing an operation could not do: the item (a tenant, a host, a spec) and why.</summary>
[GenerateSerializer, Alias("Berth.Contracts.OperationError"), Immutable]
public sealed record OperationError(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Item,
    [property: Id(2)] string Message);
