using Berth.Contracts;

namespace Berth.Grains;

/// <summary>The cluster's API keys (key 0), stored as hashes; the gateway checks presented keys against it.</summary>
public interface IApiKeyRegistryGrain : IGrainWithIntegerKey
{
    Task Register(ApiKeyRegistration registration);

    /// <summary>
    /// Registers the bootstrap admin key when the registry holds no key at all, or when
    /// <paramref name="registration"/> is the configured one; false when a key already exists.
    /// </summary>
    Task<bool> RegisterBootstrap(ApiKeyRegistration registration, bool configured);

    /// <summary>The key's record and hash, or null when unknown; revoked keys are returned with RevokedAt set.</summary>
    Task<ApiKeyRegistration?> Find(string keyId);

    Task<ApiKeyView[]> List();

    /// <summary>False when there is no such key; revoking twice is not an error.</summary>
    Task<bool> Revoke(string keyId);
}
