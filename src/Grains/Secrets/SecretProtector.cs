using System.Security.Cryptography;
using System.Text;
using Berth.Configuration;
using Microsoft.Extensions.Options;

namespace Berth.Secrets;

/// <summary>
/// Encrypts tenant secrets at rest with AES-256-GCM. The key comes from <c>Berth:SecretsKey</c>
/// (base64, 32 bytes), or else from a key file that is created once (mode 0600) for the local
/// default. Every ciphertext is bound to its tenant and name, so it cannot be moved to another.
/// </summary>
public sealed class SecretProtector
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _key;

    public SecretProtector(IOptions<BerthOptions> options, ILogger<SecretProtector> logger)
    {
        var configured = options.Value.SecretsKey;
        if (configured is { Length: > 0 })
        {
            _key = Convert.FromBase64String(configured);
        }
        else
        {
            var path = Path.GetFullPath(options.Value.SecretsKeyFile);
            _key = LoadOrCreateKeyFile(path, logger);
        }
        if (_key.Length != 32)
        {
            throw new InvalidOperationException("Berth:SecretsKey must be 32 bytes, base64-encoded");
        }
    }

    private static byte[] LoadOrCreateKeyFile(string path, ILogger logger)
    {
        if (File.Exists(path))
        {
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var key = RandomNumberGenerator.GetBytes(32);
        var temporary = path + ".partial";
        File.WriteAllText(temporary, Convert.ToBase64String(key));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        try
        {
            // Several silos may start at once on one machine: the first key written wins.
            File.Move(temporary, path, overwrite: false);
            logger.LogWarning("Generated the secrets encryption key at {Path}; set Berth:SecretsKey for a cluster of several machines", path);
            return key;
        }
        catch (IOException)
        {
            File.Delete(temporary);
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
    }

    public byte[] Protect(string tenantId, string name, byte[] plaintext)
    {
        var sealedValue = new byte[NonceBytes + TagBytes + plaintext.Length];
        var nonce = sealedValue.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(nonce, plaintext, sealedValue.AsSpan(NonceBytes + TagBytes), sealedValue.AsSpan(NonceBytes, TagBytes), Context(tenantId, name));
        return sealedValue;
    }

    public byte[] Unprotect(string tenantId, string name, byte[] sealedValue)
    {
        var plaintext = new byte[sealedValue.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(sealedValue.AsSpan(0, NonceBytes), sealedValue.AsSpan(NonceBytes + TagBytes), sealedValue.AsSpan(NonceBytes, TagBytes), plaintext, Context(tenantId, name));
        return plaintext;
    }

    /// <summary>
    /// A keyed fingerprint of a secret's value (HMAC-SHA256 under a key derived from the secrets
    /// key), short hex: tells a changed value apart without letting anyone who reads it (a Docker
    /// label) test guesses of the value, as a plain hash would.
    /// </summary>
    public string Fingerprint(string context, string name, byte[] value)
    {
        var key = HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes("berth-fingerprint"));
        byte[] message = [.. Context(context, name), 0, .. value];
        return Convert.ToHexStringLower(HMACSHA256.HashData(key, message))[..16];
    }

    private static byte[] Context(string tenantId, string name) => Encoding.UTF8.GetBytes($"berth-secret\0{tenantId}\0{name}");
}
