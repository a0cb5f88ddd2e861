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

    public IContainerRuntime Get(DockerHostOptions host) =>
        _runtimes.GetOrAdd(host.Id, _ => new InMemoryContainerRuntime { AcceptAnyImage = acceptAnyImage });
}
