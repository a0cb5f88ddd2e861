using Berth.Gateway.Security;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;

namespace Berth.Gateway.Proxy;

/// <summary>
/// Shapes a proxied request for the container: the path below <c>/ports/{port}</c>, Berth's own
/// credential taken out (the API key header, an Authorization that carried a Berth key or token,
/// the link cookie and query parameter), and <c>X-Forwarded-*</c> saying where the client came from.
/// An Authorization header of the app's own is passed on untouched.
/// </summary>
public sealed class TenantProxyTransformer(string path, string prefix, bool authorizationWasBerths) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        var request = httpContext.Request;
        var query = QueryString.Create(request.Query
            .Where(q => q.Key != ProxyLinks.QueryName)
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v))));
        proxyRequest.RequestUri = new Uri($"{destinationPrefix}/{path}{query}", UriKind.Absolute);

        proxyRequest.Headers.Remove(ApiKeyAuthenticationHandler.HeaderName);
        proxyRequest.Headers.Remove(ProxyTarget.WorkloadHeader);
        if (authorizationWasBerths) proxyRequest.Headers.Authorization = null;
        if (proxyRequest.Headers.TryGetValues("Cookie", out var cookies))
        {
            var kept = cookies.SelectMany(c => c.Split(';')).Select(c => c.Trim())
                .Where(c => c.Length > 0 && !c.StartsWith(ProxyLinks.CookieName + "=", StringComparison.Ordinal)).ToList();
            proxyRequest.Headers.Remove("Cookie");
            if (kept.Count > 0) proxyRequest.Headers.TryAddWithoutValidation("Cookie", string.Join("; ", kept));
        }

        var remote = httpContext.Connection.RemoteIpAddress?.ToString();
        var forwardedFor = request.Headers["X-Forwarded-For"];
        proxyRequest.Headers.Remove("X-Forwarded-For");
        proxyRequest.Headers.TryAddWithoutValidation("X-Forwarded-For",
            StringValues.IsNullOrEmpty(forwardedFor) ? remote : $"{forwardedFor}, {remote}");
        SetHeader(proxyRequest, "X-Forwarded-Proto", request.Scheme);
        SetHeader(proxyRequest, "X-Forwarded-Host", request.Host.Value);
        SetHeader(proxyRequest, "X-Forwarded-Prefix", prefix);
    }

    private static void SetHeader(HttpRequestMessage request, string name, string? value)
    {
        request.Headers.Remove(name);
        if (!string.IsNullOrEmpty(value)) request.Headers.TryAddWithoutValidation(name, value);
    }
}
