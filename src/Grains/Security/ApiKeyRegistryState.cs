using Berth.Contracts;

namespace Berth.Security;

[GenerateSerializer, Alias("Berth.Security.ApiKeyRegistryState")]
public sealed class ApiKeyRegistryState
{
    [Id(0)] public Dictionary<string, ApiKeyRegistration> Keys { get; set; } = new(StringComparer.Ordinal);
}
