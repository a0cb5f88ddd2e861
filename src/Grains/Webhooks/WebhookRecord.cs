using Berth.Contracts;

namespace Berth.Webhooks;

/// <summary>One webhook as the dispatcher stores it: the registration, its sealed secret, its cursor and its dead letters.</summary>
[GenerateSerializer, Alias("Berth.Webhooks.WebhookRecord")]
public sealed class WebhookRecord
{
    [Id(0)] public string Id { get; set; } = "";
    [Id(1)] public string Url { get; set; } = "";
    [Id(2)] public BerthEventType[] Types { get; set; } = [];
    [Id(3)] public string? TenantId { get; set; }
    [Id(4)] public string? Workload { get; set; }
    /// <summary>The signing secret, sealed with the cluster's secrets key (see SecretProtector).</summary>
    [Id(5)] public byte[] SealedSecret { get; set; } = [];
    [Id(6)] public DateTimeOffset CreatedAt { get; set; }
    [Id(7)] public string? CreatedBy { get; set; }
    /// <summary>Every event up to here is done with: delivered, dead-lettered, or not wanted.</summary>
    [Id(8)] public long Cursor { get; set; }
    [Id(9)] public long Delivered { get; set; }
    [Id(10)] public DateTimeOffset? LastDeliveredAt { get; set; }
    [Id(11)] public string? LastError { get; set; }
    /// <summary>Oldest first, at most Berth:Webhooks:MaxDeadLetters.</summary>
    [Id(12)] public List<StoredDeadLetter> DeadLetters { get; set; } = [];
    [Id(13)] public long LastDeadLetterId { get; set; }
    /// <summary>The idempotency key it was created with, so that deleting it forgets the key too.</summary>
    [Id(14)] public string OperationId { get; set; } = "";

    public EventQuery Query(long since, int limit = 1) => new(TenantId, Workload, Types, since, limit);
}

/// <summary>A dead letter with the event it is about (the log may prune the event before it is redelivered).</summary>
[GenerateSerializer, Immutable, Alias("Berth.Webhooks.StoredDeadLetter")]
public sealed record StoredDeadLetter(
    [property: Id(0)] WebhookDeadLetter Letter,
    [property: Id(1)] BerthEvent Event);
