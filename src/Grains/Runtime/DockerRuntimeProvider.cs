using System.Collections.Concurrent;
using Berth.Configuration;
using Docker.DotNet;

namespace Berth.Runtime;

/// <summary>One Docker.DotNet client per host, created on first use and shared; a changed endpoint gets a new one.</summary>
public sealed class DockerRuntimeProvider : IContainerRuntimeProvider, IDisposable
{
    private readonly ConcurrentDictionary<string, (string Key, DockerContainerRuntime Runtime)> _runtimes = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    private static DockerClient CreateClient(DockerHostOptions host)
    {
        var credentials = host.TlsClientCertificate is { Length: > 0 } certificate
            ? EngineTls.Credentials(host.Id, certificate, host.TlsClientKey, host.TlsCaCertificate)
            : null;
        return new DockerClientConfiguration(new Uri(host.Endpoint), credentials, TimeSpan.FromSeconds(60)).CreateClient();
    }

    /// <summary>A unix socket or a loopback address: the engine's bridges are this machine's routes.</summary>
    private static bool OnThisMachine(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
        && (uri.Scheme == "unix" || uri.Scheme == "npipe" || uri.IsLoopback);

    public IContainerRuntime Get(DockerHostOptions host)
    {
        var key = $"{host.Endpoint}|{host.TlsClientCertificate}|{host.TlsClientKey}|{host.TlsCaCertificate}";
        if (_runtimes.TryGetValue(host.Id, out var known) && known.Key == key) return known.Runtime;
        lock (_lock)
        {
            if (_runtimes.TryGetValue(host.Id, out known) && known.Key == key) return known.Runtime;
            var runtime = new DockerContainerRuntime(CreateClient(host), host.Id, OnThisMachine(host.Endpoint));
            _runtimes[host.Id] = (key, runtime);
            // An older client of this host (its endpoint changed) is left to the collector: a call may still use it.
            return runtime;
        }
    }

    public void Dispose()
    {
        foreach (var (_, runtime) in _runtimes.Values) runtime.Dispose();
    }
}
