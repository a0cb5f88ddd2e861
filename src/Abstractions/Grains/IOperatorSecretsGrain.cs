namespace Berth.Grains;

/// <summary>
/// The operator secret store (key 0) that host stacks draw <c>${secret:NAME}</c> from. Values are
/// sealed at rest and leave only sealed, to the host grain that writes them into a container.
/// </summary>
[Alias("Berth.Grains.IOperatorSecretsGrain")]
public interface IOperatorSecretsGrain : IGrainWithIntegerKey
{
    /// <summary>Stores (or replaces) a secret; true when it is new.</summary>
    [Alias("Put")]
    Task<bool> Put(string name, byte[] value);

    /// <summary>False when there was no such secret.</summary>
    [Alias("Remove")]
    Task<bool> Remove(string name);

    /// <summary>The names, never the values.</summary>
    [Alias("Names")]
    Task<string[]> Names();

    /// <summary>The sealed values of those of <paramref name="names"/> that exist (see SecretProtector, context <c>berth:operator</c>).</summary>
    [Alias("Sealed")]
    Task<Dictionary<string, byte[]>> Sealed(string[] names);
}

/// <summary>Bounds of the operator secret store, checked by the gateway before the body is read whole and by the grain.</summary>
public static class OperatorSecretLimits
{
    public const int MaxSecretBytes = 64 * 1024;
    public const int MaxSecrets = 500;
}
