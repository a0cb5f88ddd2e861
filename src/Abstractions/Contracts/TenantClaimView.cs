namespace Berth.Contracts;

/// <summary>One tenant's claim on one workload, as the API reports it.</summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.TenantClaimView")]
public sealed record TenantClaimView
{
    [Id(0)] public required string TenantId { get; init; }
    [Id(1)] public required string Workload { get; init; }
    [Id(2)] public required TenantClaimState State { get; init; }
    [Id(3)] public string? ContainerId { get; init; }
    [Id(4)] public string? HostId { get; init; }
    [Id(5)] public string? MemberId { get; init; }
    [Id(6)] public ContainerEndpoint[] Endpoints { get; init; } = [];
    [Id(7)] public DateTimeOffset? ClaimedAt { get; init; }
    [Id(8)] public ClaimSource? Source { get; init; }
    [Id(9)] public DateTimeOffset StateSince { get; init; }
    [Id(10)] public string? Error { get; init; }
    /// <summary>When the newest verified snapshot of this tenant's state was taken (restored on the next claim).</summary>
    [Id(11)] public DateTimeOffset? LastSnapshotAt { get; init; }
    [Id(12)] public long? LastSnapshotBytes { get; init; }
    /// <summary>The snapshot this claim restored (null: nothing restored, a fresh state).</summary>
    [Id(13)] public RestoredSnapshot? RestoredFrom { get; init; }
    /// <summary>When the claim's time limit (ttl, pool.max_claim_duration) releases it; null: no limit.</summary>
    [Id(14)] public DateTimeOffset? ExpiresAt { get; init; }
    /// <summary>Which limit <see cref="ExpiresAt"/> is: "ttl", or "pool.max_claim_duration" (also when a longer ttl was asked for and capped).</summary>
    [Id(16)] public string? ExpiryReason { get; init; }
    /// <summary>A released claim whose saved container is kept paused for this tenant until then (pool.keep_released).</summary>
    [Id(15)] public DateTimeOffset? KeptUntil { get; init; }
    /// <summary>A stack's services (the first is the primary: <see cref="ContainerId"/>); null for a one-container workload.</summary>
    [Id(17)] public ServiceContainer[]? Services { get; init; }
}
