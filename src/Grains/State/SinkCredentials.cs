using System.Text;
using System.Text.Json;
using Berth.Secrets;
using Berth.Specs;

namespace Berth.State;

/// <summary>
/// Seals a workload's own S3 keys (from its <c>sync.sink</c> map) with the secrets key before the
/// spec is stored anywhere, and opens them where a sink is made. The ciphertext is bound to the
/// workload, like tenant secrets are bound to their tenant.
/// </summary>
public static class SinkCredentials
{
    private const string Name = "sync.sink";

    private static string Context(string workload) => "workload:" + workload;

    /// <summary>The spec with its clear keys replaced by sealed ones; unchanged when it has none.</summary>
    public static WorkloadSpec Seal(WorkloadSpec spec, SecretProtector protector)
    {
        if (spec.Sync?.Location is not { AccessKeyId: { } access, SecretAccessKey: { } secret } location)
        {
            return spec;
        }
        var clear = JsonSerializer.SerializeToUtf8Bytes(new[] { access, secret });
        var sealedLocation = location with
        {
            AccessKeyId = null,
            SecretAccessKey = null,
            SealedCredentials = protector.Protect(Context(spec.Id), Name, clear),
            CredentialsOwner = spec.Id,
        };
        return spec with { Sync = spec.Sync with { Location = sealedLocation } };
    }

    /// <summary>The keys in clear, or null when the location has none (the cluster's or the environment's apply).</summary>
    public static (string AccessKeyId, string SecretAccessKey)? Open(SinkLocation location, SecretProtector protector)
    {
        if (location.AccessKeyId is { } access && location.SecretAccessKey is { } secret)
        {
            return (access, secret);
        }
        if (location is not { SealedCredentials: { } sealedValue, CredentialsOwner: { } owner })
        {
            return null;
        }
        var keys = JsonSerializer.Deserialize<string[]>(protector.Unprotect(Context(owner), Name, sealedValue))!;
        return (keys[0], keys[1]);
    }

    /// <summary>True when both locations hold the same keys (or both none): an update that changes only the keys is still a change.</summary>
    public static bool SameKeys(SinkLocation? a, SinkLocation? b, SecretProtector protector) =>
        Equals(a is null ? null : Open(a, protector), b is null ? null : Open(b, protector));

    /// <summary>A short fingerprint of the keys, for caching clients per key set without holding them in a dictionary key.</summary>
    public static string Fingerprint((string AccessKeyId, string SecretAccessKey)? keys) => keys is not { } k ? "-"
        : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(k.AccessKeyId + "\0" + k.SecretAccessKey)))[..16];
}
