using System.Collections.Concurrent;
using Berth.Configuration;

namespace Berth.Runtime;

/// <summary>
/// Serves in-memory engines, one per host id, for tests and the control-plane benchmark. A host
/// not given up front gets an engine of its own on first use (like <c>POST /hosts</c> would).
/// </summary>
public sealed class InMemoryRuntimeProvider(IReadOnlyDictionary<string, InMemoryContainerRuntime> runtimes, bool acceptAnyImage = false) : IContainerRuntimeProvider
{
    private readonly ConcurrentDictionary<string, InMemoryContainerRuntime> _runtimes = new(runtimes, StringComparer.Ordinal);

    public IContainerRuntime Get(DockerHostOptions host) => Engine(host.Id);

    /// <summary>The engine of a host id (made on first use), for tests that fail or inspect one host.</summary>
    public InMemoryContainerRuntime Engine(string hostId) =>
        _runtimes.GetOrAdd(hostId, _ => new InMemoryContainerRuntime { AcceptAnyImage = acceptAnyImage });
}
