using Berth.Configuration;
using Berth.Contracts;
using Berth.Errors;
using Berth.Grains;

namespace Berth.Security;

/// <summary>
/// Holds API keys by id. Only hashes are stored: a stolen copy of the state grants nothing, and
/// a key is shown to its creator once.
/// </summary>
// The grain type is part of every stored state's key: fixed here, so renaming the class keeps its state.
[GrainType("apikeyregistry")]
public sealed class ApiKeyRegistryGrain(
    [PersistentState("api-keys", StorageNames.Berth)] IPersistentState<ApiKeyRegistryState> state,
    ILogger<ApiKeyRegistryGrain> logger) : Grain, IApiKeyRegistryGrain
{
    private const int MaxKeys = 10_000;

    public async Task Register(ApiKeyRegistration registration)
    {
        var key = registration.Key;
        if (!BerthRoles.IsKnown(key.Role))
        {
            throw BerthException.Invalid("role", $"role must be one of {string.Join(", ", BerthRoles.All)}");
        }
        if ((key.Role == BerthRoles.Tenant) != (key.TenantId is not null))
        {
            throw BerthException.Invalid("tenantId", "a tenant key names exactly one tenant id, and only tenant keys name one");
        }
        if (state.State.Keys.ContainsKey(key.Id))
        {
            throw BerthException.Conflict($"API key '{key.Id}' already exists");
        }
        if (state.State.Keys.Count >= MaxKeys)
        {
            throw BerthException.Conflict($"the registry holds its maximum of {MaxKeys} keys; revoke some first");
        }
        state.State.Keys[key.Id] = registration;
        await state.WriteStateAsync();
        logger.LogInformation("API key {KeyId} ({Name}, role {Role}{Tenant}) created by {CreatedBy}",
            key.Id, key.Name, key.Role, key.TenantId is null ? "" : $" for tenant {key.TenantId}", key.CreatedBy);
    }

    public async Task<bool> RegisterBootstrap(ApiKeyRegistration registration, bool configured)
    {
        if (state.State.Keys.TryGetValue(registration.Key.Id, out var existing))
        {
            // The configured key is re-stated at every start; a changed secret under the same id replaces it.
            if (configured && existing.SecretHash != registration.SecretHash && existing.Key.RevokedAt is null)
            {
                state.State.Keys[registration.Key.Id] = registration;
                await state.WriteStateAsync();
            }
            return false;
        }
        if (!configured && state.State.Keys.Count > 0)
        {
            return false;
        }
        state.State.Keys[registration.Key.Id] = registration;
        await state.WriteStateAsync();
        logger.LogWarning("Bootstrap admin API key {KeyId} registered ({Source})", registration.Key.Id, configured ? "from configuration" : "generated");
        return true;
    }

    public Task<ApiKeyRegistration?> Find(string keyId) => Task.FromResult(state.State.Keys.GetValueOrDefault(keyId));

    public Task<ApiKeyView[]> List() => Task.FromResult(state.State.Keys.Values.Select(k => k.Key).OrderBy(k => k.CreatedAt).ToArray());

    public async Task<bool> Revoke(string keyId)
    {
        if (!state.State.Keys.TryGetValue(keyId, out var registration))
        {
            return false;
        }
        if (registration.Key.RevokedAt is null)
        {
            state.State.Keys[keyId] = registration with { Key = registration.Key with { RevokedAt = DateTimeOffset.UtcNow } };
            await state.WriteStateAsync();
            logger.LogWarning("API key {KeyId} ({Name}) revoked", keyId, registration.Key.Name);
        }
        return true;
    }
}
