using Berth.Configuration;
using Berth.Errors;
using Berth.Grains;
using Berth.Specs;
using Berth.State;

namespace Berth.Secrets;

/// <summary>
/// See <see cref="IOperatorSecretsGrain"/>. One grain holds every operator secret: they are few,
/// and read only when a host stack is applied. Sealed with <see cref="SecretProtector"/> under
/// <see cref="Context"/>, which no tenant id can be (it has a ':'), so a sealed operator secret
/// can never be opened as a tenant's and the other way round.
/// </summary>
// The grain type is part of the stored state's key: fixed here, so renaming the class keeps its state.
[GrainType("operatorsecrets")]
public sealed class OperatorSecretsGrain(
    [PersistentState("secrets", StorageNames.Berth)] IPersistentState<OperatorSecretsState> state,
    SecretProtector protector) : Grain, IOperatorSecretsGrain
{
    public const string Context = "berth:operator";
    private const int MaxSecretBytes = OperatorSecretLimits.MaxSecretBytes;
    private const int MaxSecrets = OperatorSecretLimits.MaxSecrets;

    private Dictionary<string, byte[]> Secrets => state.State.Secrets;

    public async Task<bool> Put(string name, byte[] value)
    {
        if (!ResourceIds.IsValidSecretName(name)) throw BerthException.Invalid("name", $"secret names must match {ResourceIds.SecretNamePattern}");
        if (value.Length > MaxSecretBytes) throw BerthException.Invalid("body", $"a secret may be at most {MaxSecretBytes} bytes");
        var added = !Secrets.ContainsKey(name);
        if (added && Secrets.Count >= MaxSecrets) throw BerthException.Quota($"at most {MaxSecrets} operator secrets; delete one first");
        Secrets[name] = protector.Protect(Context, name, value);
        await state.WriteOrDeactivateAsync(this);
        return added;
    }

    public async Task<bool> Remove(string name)
    {
        if (!Secrets.Remove(name)) return false;
        await state.WriteOrDeactivateAsync(this);
        return true;
    }

    public Task<string[]> Names() => Task.FromResult<string[]>([.. Secrets.Keys.Order(StringComparer.Ordinal)]);

    public Task<Dictionary<string, byte[]>> Sealed(string[] names) =>
        Task.FromResult(names.Distinct(StringComparer.Ordinal).Where(Secrets.ContainsKey).ToDictionary(n => n, n => Secrets[n], StringComparer.Ordinal));
}

[GenerateSerializer, Alias("Berth.Secrets.OperatorSecretsState")]
public sealed class OperatorSecretsState
{
    [Id(0)] public Dictionary<string, byte[]> Secrets { get; set; } = new(StringComparer.Ordinal);
}
