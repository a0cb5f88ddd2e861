namespace Berth.Contracts;

/// <summary>A webhook as listed: never its signing secret.</summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.WebhookView")]
public sealed record WebhookView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Url { get; init; }
    /// <summary>snake_case event names; empty for every type.</summary>
    [Id(2)] public required string[] Events { get; init; }
    [Id(3)] public string? TenantId { get; init; }
    [Id(4)] public string? Workload { get; init; }
    [Id(5)] public DateTimeOffset CreatedAt { get; init; }
    [Id(6)] public string? CreatedBy { get; init; }
    /// <summary>The sequence of the last event this webhook is done with (delivered, dead-lettered or not matching).</summary>
    [Id(7)] public long Cursor { get; init; }
    [Id(8)] public long Delivered { get; init; }
    [Id(9)] public DateTimeOffset? LastDeliveredAt { get; init; }
    /// <summary>Why the delivery under way last failed; null once one succeeds.</summary>
    [Id(10)] public string? LastError { get; init; }
    /// <summary>Failed attempts of the delivery under way.</summary>
    [Id(11)] public int Attempts { get; init; }
    [Id(12)] public int DeadLetters { get; init; }
}
