namespace Berth.Webhooks;

/// <summary>How one delivery attempt ended: a 2xx, or why not (with the status when the receiver answered).</summary>
public sealed record WebhookOutcome(bool Delivered, int? Status, string? Error)
{
    public static WebhookOutcome Ok(int status) => new(true, status, null);

    public static WebhookOutcome Failed(string error, int? status = null) => new(false, status, error);
}
