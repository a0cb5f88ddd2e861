namespace Berth.Webhooks;

[GenerateSerializer, Alias("Berth.Webhooks.WebhookDispatcherState")]
public sealed class WebhookDispatcherState
{
    [Id(0)] public Dictionary<string, WebhookRecord> Webhooks { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Idempotency key → the webhook it created; bounded by the webhooks themselves (deleting one forgets its key).</summary>
    [Id(1)] public Dictionary<string, string> Operations { get; set; } = new(StringComparer.Ordinal);
}
