using Berth.Contracts;

namespace Berth.Runtime;

/// <summary>The parts of <c>docker inspect</c> that Berth acts on.</summary>
public sealed record ContainerInspection(
    string Id,
    string State,
    string? Health,
    ContainerEndpoint[] Endpoints,
    IReadOnlyDictionary<string, string> Labels,
    string? Error)
{
    public bool IsRunning => State == "running";
}
