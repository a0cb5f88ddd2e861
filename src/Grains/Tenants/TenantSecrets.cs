using Berth.Errors;
using Berth.Secrets;
using Berth.Specs;

namespace Berth.Tenants;

/// <summary>
/// A tenant's secrets, sealed per tenant and name (see <see cref="SecretProtector"/>): checked,
/// stored and opened only to be written into the tenant's own container at claim time.
/// </summary>
public sealed class TenantSecrets(string tenantId, Func<TenantState> state, SecretProtector protector)
{
    public const int MaxSecretBytes = 64 * 1024;
    public const int MaxSecrets = 100;

    private Dictionary<string, byte[]> Sealed => state().Secrets;

    public bool Any => Sealed.Count > 0;

    public string[] Names => [.. Sealed.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Checks and seals a secret; the caller persists.</summary>
    public void Put(string name, byte[] value)
    {
        if (!ResourceIds.IsValidSecretName(name))
        {
            throw BerthException.Invalid("name", $"secret names must match {ResourceIds.SecretNamePattern}");
        }
        if (value.Length > MaxSecretBytes)
        {
            throw BerthException.Invalid("value", $"a secret may be at most {MaxSecretBytes} bytes");
        }
        if (!Sealed.ContainsKey(name) && Sealed.Count >= MaxSecrets)
        {
            throw BerthException.Invalid("name", $"a tenant may keep at most {MaxSecrets} secrets");
        }
        Sealed[name] = protector.Protect(tenantId, name, value);
    }

    /// <summary>False when there was no such secret; the caller persists otherwise.</summary>
    public bool Remove(string name) => Sealed.Remove(name);

    /// <summary>Every secret in clear, for the tar written into the container.</summary>
    public Dictionary<string, byte[]> Open() => Sealed.ToDictionary(s => s.Key, s => protector.Unprotect(tenantId, s.Key, s.Value));
}
