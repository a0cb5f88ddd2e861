using Berth.Configuration;
using Docker.DotNet;
using Microsoft.Extensions.Options;

namespace Berth.Runtime;

/// <summary>One Docker.DotNet client per configured host, created once and shared.</summary>
public sealed class DockerRuntimeProvider : IContainerRuntimeProvider, IDisposable
{
    private readonly Dictionary<string, DockerContainerRuntime> _runtimes;

    public DockerRuntimeProvider(IOptions<BerthOptions> options)
    {
        _runtimes = options.Value.EffectiveHosts.ToDictionary(h => h.Id, h => new DockerContainerRuntime(CreateClient(h)));
        HostIds = [.. _runtimes.Keys];
    }

    private static DockerClient CreateClient(DockerHostOptions host)
    {
        var credentials = host.TlsClientCertificate is { Length: > 0 } certificate
            ? EngineTls.Credentials(host.Id, certificate, host.TlsClientKey, host.TlsCaCertificate)
            : null;
        return new DockerClientConfiguration(new Uri(host.Endpoint), credentials, TimeSpan.FromSeconds(60)).CreateClient();
    }

    public IReadOnlyList<string> HostIds { get; }

    public IContainerRuntime Get(string hostId) =>
        _runtimes.TryGetValue(hostId, out var runtime)
            ? runtime
            : throw new InvalidOperationException($"host '{hostId}' is not configured");

    public void Dispose()
    {
        foreach (var runtime in _runtimes.Values) runtime.Dispose();
    }
}
