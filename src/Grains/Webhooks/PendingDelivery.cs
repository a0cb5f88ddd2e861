using Berth.Contracts;

namespace Berth.Webhooks;

/// <summary>
/// The one event a webhook is being sent now (deliveries to one webhook go in order, one at a
/// time). Kept in memory: a new activation starts the event's attempts again, which only adds
/// attempts, never loses the event (the cursor moves once it is done).
/// </summary>
public sealed class PendingDelivery(BerthEvent e, long? deadLetterId)
{
    public BerthEvent Event { get; } = e;

    /// <summary>Set for an operator's redelivery of a dead letter.</summary>
    public long? DeadLetterId { get; } = deadLetterId;

    public int Failures { get; set; }

    public DateTimeOffset NotBefore { get; set; }

    public int? LastStatus { get; set; }

    public string? LastError { get; set; }

    /// <summary>Runs off the grain's scheduler; the grain looks at it on its next tick only once it has finished.</summary>
    public Task<WebhookOutcome>? InFlight { get; set; }
}
