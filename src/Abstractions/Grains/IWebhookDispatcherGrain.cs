using Berth.Contracts;

namespace Berth.Grains;

/// <summary>
/// The cluster's webhooks (key 0): registrations, each one's delivery cursor and dead letters,
/// and the delivery of new events to them, signed, retried with backoff, in order per webhook.
/// </summary>
[Alias("Berth.Grains.IWebhookDispatcherGrain")]
public interface IWebhookDispatcherGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Creates a webhook that gets events from now on; the same <paramref name="operationId"/> again
    /// returns the same webhook (and secret). A target that is not allowed throws InvalidInput on <c>url</c>.
    /// </summary>
    [Alias("Create")]
    Task<CreatedWebhook> Create(WebhookRequest request, string operationId, string? createdBy);

    [Alias("List")]
    Task<WebhookView[]> List();

    [Alias("Get")]
    Task<WebhookView?> Get(string webhookId);

    /// <summary>False when there was no such webhook (deleting twice is not an error).</summary>
    [Alias("Delete")]
    Task<bool> Delete(string webhookId);

    /// <summary>Null when there is no such webhook.</summary>
    [Alias("DeadLetters")]
    Task<WebhookDeadLetter[]?> DeadLetters(string webhookId);

    /// <summary>Queues the dead letter's event for delivery again (once, however often asked); NotFound for an unknown one.</summary>
    [Alias("Redeliver")]
    Task<WebhookDeadLetter> Redeliver(string webhookId, long deadLetterId);

    /// <summary>Activates the dispatcher (a silo calls it at start-up: reminders may live in memory only).</summary>
    [Alias("Wake")]
    Task Wake();
}
