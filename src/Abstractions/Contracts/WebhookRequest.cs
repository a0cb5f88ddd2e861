namespace Berth.Contracts;

/// <summary>What <c>POST /webhooks</c> asks for: a target and which events it wants (every filter that is set must match).</summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.WebhookRequest")]
public sealed record WebhookRequest(
    [property: Id(0)] string Url,
    /// <summary>Empty: every type.</summary>
    [property: Id(1)] BerthEventType[] Events,
    [property: Id(2)] string? TenantId,
    [property: Id(3)] string? Workload);
