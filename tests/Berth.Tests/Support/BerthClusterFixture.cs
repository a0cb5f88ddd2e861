using Docker.DotNet;
using Docker.DotNet.Models;

namespace Berth.Tests.Support;

/// <summary>
/// A real Berth: one silo process and one gateway process (Kestrel on 127.0.0.1), driving the
/// local Docker engine. Every container it makes carries a cluster id unique to this fixture,
/// so tests never touch other containers, and disposal removes exactly those.
/// </summary>
public sealed class BerthClusterFixture : IAsyncLifetime
{
    private readonly string _workDir;
    private BerthProcess? _silo;
    private BerthProcess? _gateway;

    public BerthClusterFixture()
    {
        ClusterId = $"test-{Guid.NewGuid():N}"[..17];
        _workDir = Path.Combine(Path.GetTempPath(), "berth-tests", ClusterId);
    }

    public string ClusterId { get; }

    public HttpClient Http { get; private set; } = null!;

    public BerthApi Api { get; private set; } = null!;

    public DockerClient Docker { get; private set; } = null!;

    public int HttpPort { get; private set; }

    public async Task InitializeAsync()
    {
        if (DockerRequirement.Unavailable is { } reason)
        {
            if (DockerRequirement.Required) throw new InvalidOperationException($"Docker is required here but unavailable: {reason}");
            return; // Every test in the collection is skipped by [DockerFact].
        }
        Directory.CreateDirectory(Path.Combine(_workDir, "workloads"));
        Docker = DockerRequirement.CreateClient();

        var siloPort = FreePort.Next();
        var gatewayPort = FreePort.Next();
        HttpPort = FreePort.Next();
        _silo = new BerthProcess("silo", RepositoryPaths.SiloDll, [], new Dictionary<string, string>
        {
            ["Silo__SiloPort"] = siloPort.ToString(),
            ["Silo__GatewayPort"] = gatewayPort.ToString(),
            ["Silo__WorkloadsDirectory"] = Path.Combine(_workDir, "workloads"),
            ["Berth__ClusterId"] = ClusterId,
            ["Berth__HostSweepInterval"] = "00:00:00.500",
            ["Berth__PoolTickInterval"] = "00:00:00.500",
            ["Berth__OrphanGracePeriod"] = "00:00:05",
        }, Path.Combine(_workDir, "silo.log"));
        _gateway = new BerthProcess("gateway", RepositoryPaths.GatewayDll, ["--urls", $"http://127.0.0.1:{HttpPort}"], new Dictionary<string, string>
        {
            ["Gateway__SiloGatewayPorts__0"] = gatewayPort.ToString(),
            ["Gateway__ClusterId"] = ClusterId,
        }, Path.Combine(_workDir, "gateway.log"));

        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}"), Timeout = TimeSpan.FromSeconds(100) };
        Api = new BerthApi(Http);
        await WaitUntilReadyAsync();
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            if (_silo!.HasExited || _gateway!.HasExited)
            {
                throw new InvalidOperationException($"Berth exited during start-up.\n--- silo ---\n{_silo.Tail()}\n--- gateway ---\n{_gateway!.Tail()}");
            }
            try
            {
                using var response = await Http.GetAsync("/readyz");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Berth was not ready in time.\n--- silo ---\n{_silo.Tail()}\n--- gateway ---\n{_gateway.Tail()}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>The silo's log so far, for assertions on what it reported.</summary>
    public IReadOnlyList<string> SiloOutput => _silo?.Output ?? [];

    public string Diagnostics => $"--- silo ---\n{_silo?.Tail()}\n--- gateway ---\n{_gateway?.Tail()}";

    /// <summary>Every container of this fixture's cluster, optionally of one workload, as Docker sees them.</summary>
    public async Task<IList<ContainerListResponse>> ListContainersAsync(string? workload = null)
    {
        var labels = new Dictionary<string, bool> { [$"berth.cluster={ClusterId}"] = true };
        if (workload is not null) labels[$"berth.workload={workload}"] = true;
        return await Docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = labels },
        });
    }

    public async Task DisposeAsync()
    {
        _gateway?.Dispose();
        _silo?.Dispose();
        Http?.Dispose();
        if (Docker is not null)
        {
            foreach (var container in await ListContainersAsync())
            {
                await Docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true });
            }
            Docker.Dispose();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class BerthClusterCollection : ICollectionFixture<BerthClusterFixture>
{
    public const string Name = "berth on docker";
}
