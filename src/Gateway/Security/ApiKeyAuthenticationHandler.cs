using System.Net.Http.Headers;
using System.Text;
using System.Text.Encodings.Web;
using Berth.Contracts;
using Berth.Grains;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Berth.Gateway.Security;

/// <summary>
/// Authenticates <c>bk_…</c> API keys from <c>Authorization: Bearer</c>, <c>X-Api-Key</c>, or
/// <c>Authorization: Basic</c> with the key as password, so that a browser can open the dashboard
/// and the operator page. A browser sends a Basic password it holds with every request to the
/// origin, cross-site forms and WebSockets included; so Basic counts only on those pages and on
/// requests carrying <see cref="BrowserPageHeader"/>, which a cross-site form or WebSocket cannot
/// send (and a cross-origin fetch only after a CORS preflight the gateway never grants).
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IClusterClient cluster,
    IMemoryCache cache,
    IOptions<AuthOptions> auth) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    /// <summary>Sent by the operator page's own API calls: their challenge is Basic, which the browser answers with the key it holds.</summary>
    public const string BrowserPageHeader = "X-Berth-Ui";

    /// <summary>Whether a Basic password is taken (and asked for) on this request: the browser pages, and the operator page's calls.</summary>
    public static bool BrowserMayUseBasic(HttpRequest request) =>
        request.Path.StartsWithSegments("/dashboard") || request.Path.StartsWithSegments("/ui") || request.Headers.ContainsKey(BrowserPageHeader);

    /// <summary>The presented key, if the request carries one in any accepted place.</summary>
    public static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers[HeaderName].ToString() is { Length: > 0 } header) return header;
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var value) || value.Parameter is null) return null;
        if (value.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) && value.Parameter.StartsWith(ApiKeyFormat.Prefix, StringComparison.Ordinal))
        {
            return value.Parameter;
        }
        if (value.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) && BrowserMayUseBasic(request))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(value.Parameter));
                var colon = decoded.IndexOf(':');
                return colon >= 0 ? decoded[(colon + 1)..] : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }
        return null;
    }

    public static void Forget(IMemoryCache cache, string keyId) => cache.Remove(CacheKey(keyId));

    private static string CacheKey(string keyId) => $"api-key:{keyId}";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (PresentedKey(Request) is not { } key)
        {
            return AuthenticateResult.NoResult();
        }
        if (ApiKeyFormat.IdOf(key) is not { } keyId)
        {
            return AuthenticateResult.Fail("malformed API key");
        }
        var registration = await cache.GetOrCreateAsync(CacheKey(keyId), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = auth.Value.KeyCacheDuration;
            return await cluster.GetGrain<IApiKeyRegistryGrain>(0).Find(keyId);
        });
        if (registration is null || !ApiKeyFormat.Matches(key, registration.SecretHash))
        {
            return AuthenticateResult.Fail("unknown API key");
        }
        if (registration.Key.RevokedAt is not null)
        {
            return AuthenticateResult.Fail("revoked API key");
        }
        var view = registration.Key;
        var principal = BerthClaims.Principal(SchemeName, $"key:{view.Id}", view.Role, view.TenantId);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        // Browsers prompt for the dashboard and the operator page; API clients get the bearer hint.
        Response.Headers.WWWAuthenticate = BrowserMayUseBasic(Request)
            ? "Basic realm=\"berth\", charset=\"UTF-8\""
            : "Bearer realm=\"berth\"";
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Task.CompletedTask;
    }
}
