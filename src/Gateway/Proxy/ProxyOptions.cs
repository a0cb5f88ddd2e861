namespace Berth.Gateway.Proxy;

/// <summary>The reverse proxy to tenants' containers (section <c>Gateway:Proxy</c>).</summary>
public sealed class ProxyOptions
{
    public const string Section = "Gateway:Proxy";

    /// <summary>How long connecting to a container's published port may take before the answer is 502.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A proxied exchange with no bytes either way for this long is cut (an idle SSE stream or WebSocket included).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Largest proxied request body (the API's own limit, <c>Gateway:MaxRequestBodyBytes</c>, does not apply here).</summary>
    public long MaxRequestBodyBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>A signed link's lifetime when the request names none, and the longest one allowed.</summary>
    public TimeSpan DefaultLinkTtl { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan MaxLinkTtl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Proxied requests per second for one tenant (all its ports), apart from the API's rate limit.</summary>
    public int PermitsPerSecond { get; set; } = 2000;

    public int Burst { get; set; } = 4000;

    /// <summary>
    /// With a domain, <c>{port}-{tenant}.{domain}</c> is proxied to the tenant's port at the root
    /// path, for apps that must own <c>/</c>. Empty: path-based routing only.
    /// </summary>
    public string? Domain { get; set; }
}
