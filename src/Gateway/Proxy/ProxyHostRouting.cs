using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Berth.Gateway.Proxy;

/// <summary>
/// Host-based routing (<c>Gateway:Proxy:Domain</c>): <c>{port}-{tenant}.{domain}/x</c> is served as
/// <c>/tenants/{tenant}/ports/{port}/x</c>, so an app that must own the root path gets it. Host
/// names are case-insensitive, so only tenants whose ids are lower case are reachable this way.
/// </summary>
public sealed partial class ProxyHostRouting(RequestDelegate next, IOptions<ProxyOptions> options)
{
    /// <summary>Set on requests routed by host name: the container sees them at the root (no forwarded prefix).</summary>
    public const string RoutedItem = "berth.proxy.host-routed";

    private readonly string? _suffix = options.Value.Domain is { Length: > 0 } domain ? "." + domain.Trim('.').ToLowerInvariant() : null;

    [GeneratedRegex(@"^(?<port>[0-9]{1,5})-(?<tenant>[a-z0-9][a-z0-9_-]{0,62})$")]
    private static partial Regex Label();

    public Task InvokeAsync(HttpContext context)
    {
        if (_suffix is not null)
        {
            var host = context.Request.Host.Host.ToLowerInvariant();
            if (host.EndsWith(_suffix, StringComparison.Ordinal) && Label().Match(host[..^_suffix.Length]) is { Success: true } match)
            {
                context.Items[RoutedItem] = true;
                context.Request.Path = $"/tenants/{match.Groups["tenant"].Value}/ports/{match.Groups["port"].Value}{context.Request.Path}";
            }
        }
        return next(context);
    }
}
