namespace Berth.Contracts;

/// <summary>What <c>GET /operations</c> asks the index for: unfinished (true), finished (false) or both (null).</summary>
[GenerateSerializer, Alias("Berth.Contracts.OperationFilter"), Immutable]
public sealed record OperationFilter(
    [property: Id(0)] bool? Unfinished,
    [property: Id(1)] OperationKind? Kind,
    [property: Id(2)] string? Target,
    [property: Id(3)] int Limit);
