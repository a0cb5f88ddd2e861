namespace Berth.Contracts;

/// <summary>
/// The answer to creating a webhook: the only one that carries its signing secret (a retry with the
/// same Idempotency-Key gets the same answer, since its caller never saw the first).
/// </summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.CreatedWebhook")]
public sealed record CreatedWebhook(
    [property: Id(0)] WebhookView Webhook,
    [property: Id(1)] string Secret);
