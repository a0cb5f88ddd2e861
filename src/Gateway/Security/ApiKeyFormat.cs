using System.Security.Cryptography;
using System.Text;

namespace Berth.Gateway.Security;

/// <summary>
/// API keys look like <c>bk_{id}_{secret}</c>: the id finds the record, the secret proves the
/// holder. The secret is 256 random bits, so a plain SHA-256 (no slow password hash) cannot be
/// guessed back from the stored hash.
/// </summary>
public static class ApiKeyFormat
{
    public const string Prefix = "bk_";

    public static (string Id, string Key) Generate()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (id, $"{Prefix}{id}_{secret}");
    }

    /// <summary>The id part of a well-formed key, or null.</summary>
    public static string? IdOf(string key)
    {
        if (!key.StartsWith(Prefix, StringComparison.Ordinal) || key.Length > 200) return null;
        var rest = key.AsSpan(Prefix.Length);
        var separator = rest.IndexOf('_');
        if (separator <= 0 || separator == rest.Length - 1) return null;
        var id = rest[..separator].ToString();
        return IsValidId(id) ? id : null;
    }

    /// <summary>Key ids are short runs of ASCII letters and digits.</summary>
    public static bool IsValidId(string id) => id.Length is > 0 and <= 64 && id.All(char.IsAsciiLetterOrDigit);

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    public static bool Matches(string key, string storedHash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(key)), Encoding.ASCII.GetBytes(storedHash));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
