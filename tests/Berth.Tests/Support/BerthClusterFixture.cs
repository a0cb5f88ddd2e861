using Berth.Configuration;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Berth.Tests.Support;

/// <summary>
/// The shared deployment of the "berth on docker" collection: one silo on the SQLite default and
/// the gateway, as the quickstart runs them, both exporting traces to <see cref="Otlp"/>.
/// </summary>
public sealed class BerthClusterFixture : IAsyncLifetime
{
    private BerthDeployment? _deployment;
    private OtlpReceiver? _otlp;

    /// <summary>Host-based proxy routing: <c>{port}-{tenant}.proxy.berth.test</c> (sent as a Host header; never resolved).</summary>
    public const string ProxyDomain = "proxy.berth.test";

    private const string ProxyDomainSetting = "Gateway__Proxy__Domain";

    public BerthDeployment Deployment => _deployment ?? throw new InvalidOperationException("Docker is unavailable");

    /// <summary>The OTLP collector the silo and the gateway export their traces to.</summary>
    public OtlpReceiver Otlp => _otlp ?? throw new InvalidOperationException("Docker is unavailable");

    public string ClusterId => Deployment.ClusterId;

    public HttpClient Http => Deployment.Http;

    public BerthApi Api => Deployment.Api;

    public DockerClient Docker => Deployment.Docker;

    public IReadOnlyList<string> SiloOutput => Deployment.SiloOutput;

    public Task<IList<ContainerListResponse>> ListContainersAsync(string? workload = null) => Deployment.ListContainersAsync(workload);

    public async Task InitializeAsync()
    {
        if (DockerRequirement.Unavailable is { } reason)
        {
            if (DockerRequirement.Required) throw new InvalidOperationException($"Docker is required here but unavailable: {reason}");
            return; // Every test in the collection is skipped by [DockerFact].
        }
        _otlp = new OtlpReceiver();
        var gateway = new Dictionary<string, string>(TestTokens.GatewayEnvironment) { [ProxyDomainSetting] = ProxyDomain };
        foreach (var (key, value) in _otlp.Environment) gateway[key] = value;
        _deployment = new BerthDeployment(DatabaseProvider.Sqlite, siloEnvironment: _otlp.Environment, gatewayEnvironment: gateway);
        await _deployment.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_deployment is not null) await _deployment.DisposeAsync();
        _otlp?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BerthClusterCollection : ICollectionFixture<BerthClusterFixture>
{
    public const string Name = "berth on docker";
}
