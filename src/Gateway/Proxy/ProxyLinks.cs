using System.Security.Cryptography;
using System.Text;
using Berth.Grains;
using Microsoft.AspNetCore.WebUtilities;

namespace Berth.Gateway.Proxy;

/// <summary>
/// Signed links to one tenant's port: <c>v1.{tenant}.{port}.{expiry}.{HMAC-SHA256}</c>, in base64url,
/// signed with the cluster's link key (<see cref="IProxyLinkKeyGrain"/>, fetched once per gateway).
/// A link reaches that port of that tenant only, and nothing else of the API.
/// </summary>
public sealed class ProxyLinks(IClusterClient cluster, TimeProvider clock)
{
    /// <summary>The query parameter that carries a link, and the cookie it is turned into for the rest of the browser's visit.</summary>
    public const string QueryName = "berth_link";
    public const string CookieName = "berth_link";

    private readonly SemaphoreSlim _keyLock = new(1, 1);
    private byte[]? _key;

    private async Task<byte[]> KeyAsync()
    {
        if (_key is { } key) return key;
        await _keyLock.WaitAsync();
        try
        {
            return _key ??= await cluster.GetGrain<IProxyLinkKeyGrain>(0).GetKey();
        }
        finally
        {
            _keyLock.Release();
        }
    }

    public async Task<string> SignAsync(string tenantId, int port, DateTimeOffset expires)
    {
        var payload = $"v1|{tenantId}|{port}|{expires.ToUnixTimeSeconds()}";
        var mac = HMACSHA256.HashData(await KeyAsync(), Encoding.UTF8.GetBytes(payload));
        return $"{WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(payload))}.{WebEncoders.Base64UrlEncode(mac)}";
    }

    /// <summary>No problem when the token is good for this tenant's port now (with its expiry); else why not (for the 401's detail).</summary>
    public async Task<(string? Problem, DateTimeOffset Expires)> CheckAsync(string token, string tenantId, int port)
    {
        const string malformed = "the link token is malformed";
        var dot = token.IndexOf('.');
        if (dot <= 0) return (malformed, default);
        byte[] payload, mac;
        try
        {
            payload = WebEncoders.Base64UrlDecode(token[..dot]);
            mac = WebEncoders.Base64UrlDecode(token[(dot + 1)..]);
        }
        catch (FormatException)
        {
            return (malformed, default);
        }
        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(await KeyAsync(), payload), mac)) return ("the link token's signature does not match", default);
        var parts = Encoding.UTF8.GetString(payload).Split('|');
        if (parts is not ["v1", var tenant, var portText, var expiresText] || !long.TryParse(expiresText, out var seconds))
        {
            return (malformed, default);
        }
        var expires = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if (tenant != tenantId || portText != port.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return ("the link is for another tenant or port", expires);
        }
        return (clock.GetUtcNow() >= expires ? $"the link expired at {expires:u}" : null, expires);
    }
}
