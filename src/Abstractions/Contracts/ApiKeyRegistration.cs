namespace Berth.Contracts;

/// <summary>A new key for the registry: the hash of its secret, never the secret itself.</summary>
[GenerateSerializer, Alias("Berth.Contracts.ApiKeyRegistration"), Immutable]
public sealed record ApiKeyRegistration
{
    [Id(0)] public required ApiKeyView Key { get; init; }
    [Id(1)] public required string SecretHash { get; init; }
}
