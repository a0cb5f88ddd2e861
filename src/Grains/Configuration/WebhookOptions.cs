namespace Berth.Configuration;

/// <summary>Webhook delivery (section <c>Berth:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    /// <summary>
    /// Address ranges (CIDR, or single addresses) a webhook may target although they are private,
    /// loopback or link-local: an administrator's decision, empty by default. Cloud metadata
    /// addresses are refused whatever this says.
    /// </summary>
    public List<string> AllowPrivateTargets { get; set; } = [];

    /// <summary>Attempts per event before it becomes a dead letter.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The wait after the first failed attempt; each further failure doubles it, up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>One delivery attempt, connect and answer included.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the dispatcher looks for new events and finished deliveries.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Dead letters kept per webhook (the oldest go first).</summary>
    public int MaxDeadLetters { get; set; } = 100;

    public int MaxWebhooks { get; set; } = 100;
}
