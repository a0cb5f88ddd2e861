namespace Berth.Contracts;

/// <summary>
/// One stored lifecycle event. <see cref="Sequence"/> orders events cluster-wide and is the
/// cursor of <c>GET /events?since=</c> and of the SSE stream.
/// </summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.BerthEvent")]
public sealed record BerthEvent(
    [property: Id(0)] long Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] BerthEventType Type,
    [property: Id(3)] string? TenantId,
    [property: Id(4)] string? Workload,
    [property: Id(5)] string? HostId,
    [property: Id(6)] string? ContainerId,
    /// <summary>Why, in words (expired: "ttl", "pool.max_claim_duration", "idle"; failed: the error).</summary>
    [property: Id(7)] string? Reason,
    /// <summary>How a claimed or resumed container was found.</summary>
    [property: Id(8)] ClaimSource? Source);
