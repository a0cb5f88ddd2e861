namespace Berth.Runtime;

/// <summary>Serves in-memory engines, one per host id, for tests and the control-plane benchmark.</summary>
public sealed class InMemoryRuntimeProvider(IReadOnlyDictionary<string, InMemoryContainerRuntime> runtimes) : IContainerRuntimeProvider
{
    public IReadOnlyList<string> HostIds { get; } = [.. runtimes.Keys];

    public IContainerRuntime Get(string hostId) =>
        runtimes.TryGetValue(hostId, out var runtime)
            ? runtime
            : throw new InvalidOperationException($"host '{hostId}' is not configured");
}
