using Berth.Contracts;

namespace Berth.Grains;

/// <summary>The cluster's API keys (key 0), stored as hashes; the gateway checks presented keys against it.</summary>
[Alias("Berth.Grains.IApiKeyRegistryGrain")]
public interface IApiKeyRegistryGrain : IGrainWithIntegerKey
{
    [Alias("Register")]
    Task Register(ApiKeyRegistration registration);

    /// <summary>
    /// Registers the bootstrap admin key when the registry holds no key at all, or when
    /// <paramref name="registration"/> is the configured one; false when a key already exists.
    /// </summary>
    [Alias("RegisterBootstrap")]
    Task<bool> RegisterBootstrap(ApiKeyRegistration registration, bool configured);

    /// <summary>The key's record and hash, or null when unknown; revoked keys are returned with RevokedAt set.</summary>
    [Alias("Find")]
    Task<ApiKeyRegistration?> Find(string keyId);

    [Alias("List")]
    Task<ApiKeyView[]> List();

    /// <summary>False when there is no such key; revoking twice is not an error.</summary>
    [Alias("Revoke")]
    Task<bool> Revoke(string keyId);
}
