namespace Berth.Client;

/// <summary>Where the gateway is, the key to send, and how long to keep trying a 429 or 503.</summary>
public sealed class BerthClientOptions
{
    public required Uri BaseAddress { get; init; }

    /// <summary>Sent as <c>Authorization: Bearer</c>; an API key (<c>bk_…</c>) or a JWT.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Further attempts after a 429 or 503 (each waits its Retry-After); 0 turns retrying off.</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>The longest Retry-After waited; a longer one ends the retries at once.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The wait when a 429 or 503 carries no Retry-After.</summary>
    public TimeSpan DefaultRetryDelay { get; init; } = TimeSpan.FromSeconds(1);
}
