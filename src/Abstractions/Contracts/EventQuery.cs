namespace Berth.Contracts;

/// <summary>
/// Which events to read: those after <see cref="Since"/> (oldest first), or without it the newest
/// <see cref="Limit"/>; every filter that is set must match.
/// </summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.EventQuery")]
public sealed record EventQuery(
    [property: Id(0)] string? TenantId = null,
    [property: Id(1)] string? Workload = null,
    /// <summary>Null or empty: every type.</summary>
    [property: Id(2)] BerthEventType[]? Types = null,
    [property: Id(3)] long? Since = null,
    [property: Id(4)] int Limit = 100)
{
    public bool Matches(BerthEvent e) =>
        (TenantId is null || string.Equals(e.TenantId, TenantId, StringComparison.Ordinal))
        && (Workload is null || string.Equals(e.Workload, Workload, StringComparison.Ordinal))
        && (Types is not { Length: > 0 } types || Array.IndexOf(types, e.Type) >= 0);
}
