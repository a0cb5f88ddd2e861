namespace Berth.Gateway.Security;

/// <summary>Per-principal request rate limit (section <c>Gateway:RateLimit</c>); over it, 429 with Retry-After.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Sustained requests per second for one principal (an API key, a token subject, or an anonymous client address).</summary>
    public int PermitsPerSecond { get; set; } = 100;

    /// <summary>How many requests one principal may make at once above the sustained rate.</summary>
    public int Burst { get; set; } = 200;
}
