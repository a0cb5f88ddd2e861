namespace Berth.Contracts;

/// <summary>An event a webhook could not take within its attempts; kept (bounded) until redelivered.</summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.WebhookDeadLetter")]
public sealed record WebhookDeadLetter
{
    /// <summary>Numbers the webhook's dead letters, for <c>…/dead-letters/{n}/redeliver</c>.</summary>
    [Id(0)] public required long Id { get; init; }
    [Id(1)] public required long EventSequence { get; init; }
    /// <summary>snake_case event name.</summary>
    [Id(2)] public required string EventType { get; init; }
    [Id(3)] public required int Attempts { get; init; }
    [Id(4)] public required string LastError { get; init; }
    /// <summary>The receiver's last HTTP status, when it answered at all.</summary>
    [Id(5)] public int? LastStatus { get; init; }
    [Id(6)] public required DateTimeOffset FailedAt { get; init; }
    /// <summary>Set while a redelivery an operator asked for is queued.</summary>
    [Id(7)] public DateTimeOffset? RedeliveryRequestedAt { get; init; }
}
