namespace Berth.Contracts;

/// <summary>An API key as listed: never its secret or its hash.</summary>
[GenerateSerializer, Alias("Berth.Contracts.ApiKeyView"), Immutable]
public sealed record ApiKeyView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public required string Role { get; init; }
    /// <summary>Set for tenant-scoped keys: the one tenant id the key may act for.</summary>
    [Id(3)] public string? TenantId { get; init; }
    [Id(4)] public DateTimeOffset CreatedAt { get; init; }
    [Id(5)] public string? CreatedBy { get; init; }
    [Id(6)] public DateTimeOffset? RevokedAt { get; init; }
}
