using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Berth.Tests.Support;

/// <summary>Mints HS256 JWTs by hand (RFC 7519), so the gateway's validation is checked against the standard, not against its own library.</summary>
public static class TestTokens
{
    public const string Issuer = "berth-tests";
    public const string Audience = "berth-gateway";
    public static readonly string SigningKey = "test-signing-key-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16));

    public static IReadOnlyDictionary<string, string> GatewayEnvironment => new Dictionary<string, string>
    {
        ["Auth__Jwt__Issuer"] = Issuer,
        ["Auth__Jwt__Audience"] = Audience,
        ["Auth__Jwt__SigningKey"] = SigningKey,
    };

    public static string Mint(string subject, string role, string? tenant = null, string? key = null, TimeSpan? lifetime = null, string issuer = Issuer)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = new Dictionary<string, object>
        {
            ["sub"] = subject, ["role"] = role, ["iss"] = issuer, ["aud"] = Audience,
            ["iat"] = now, ["nbf"] = now, ["exp"] = now + (long)(lifetime ?? TimeSpan.FromMinutes(10)).TotalSeconds,
        };
        if (tenant is not null) payload["tenant"] = tenant;
        var unsigned = $"{Encode(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }))}.{Encode(JsonSerializer.SerializeToUtf8Bytes(payload))}";
        var signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(key ?? SigningKey), Encoding.ASCII.GetBytes(unsigned));
        return $"{unsigned}.{Encode(signature)}";
    }

    private static string Encode(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
