using Berth.Configuration;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Berth.Tests.Support;

/// <summary>
/// A real Berth made of processes: N silos and one gateway (Kestrel on 127.0.0.1), on SQLite,
/// PostgreSQL (a database of its own) or memory, driving a real Docker engine. Silos can be
/// killed (SIGKILL), stopped (SIGTERM) and started again. Every container carries a cluster id
/// unique to the deployment, so disposal removes exactly its own. On PostgreSQL (the multi-host
/// setting, where cluster TLS is required) every silo and the gateway get a throwaway cluster CA's
/// certificate through <c>Cluster__Tls__*</c>, so every PostgreSQL test runs with mutual TLS on;
/// an entry of the same name in the extra environments wins.
/// </summary>
public sealed class BerthDeployment : IAsyncDisposable
{
    private readonly DatabaseProvider _provider;
    private readonly int _siloCount;
    private readonly IReadOnlyDictionary<string, string> _extraSiloEnvironment;
    private readonly IReadOnlyDictionary<string, string> _extraGatewayEnvironment;
    private readonly string _workDir;
    private readonly int[] _siloPorts;
    private readonly int[] _gatewayPorts;
    private readonly int[] _metricsPorts;
    private readonly BerthProcess?[] _silos;
    private readonly List<BerthProcess> _retired = [];
    private BerthProcess? _gateway;
    private string? _databaseName;
    private string _connectionString = "";

    public BerthDeployment(DatabaseProvider provider, int silos = 1, IReadOnlyDictionary<string, string>? siloEnvironment = null,
        IReadOnlyDictionary<string, string>? gatewayEnvironment = null)
    {
        if (provider != DatabaseProvider.Postgres && silos != 1)
        {
            throw new ArgumentException("only PostgreSQL clustering runs several silos", nameof(silos));
        }
        _provider = provider;
        _siloCount = silos;
        _extraSiloEnvironment = siloEnvironment ?? new Dictionary<string, string>();
        _extraGatewayEnvironment = gatewayEnvironment ?? new Dictionary<string, string>();
        ClusterId = $"test-{Guid.NewGuid():N}"[..17];
        _workDir = Path.Combine(Path.GetTempPath(), "berth-tests", ClusterId);
        _siloPorts = Enumerable.Range(0, silos).Select(_ => FreePort.Next()).ToArray();
        _gatewayPorts = Enumerable.Range(0, silos).Select(_ => FreePort.Next()).ToArray();
        _metricsPorts = Enumerable.Range(0, silos).Select(_ => FreePort.Next()).ToArray();
        _silos = new BerthProcess?[silos];
        HttpPort = FreePort.Next();
        AdminKey = $"bk_{Guid.NewGuid():N}"[..15] + "_" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        Http = NewClient(AdminKey);
        Api = new BerthApi(Http);
        Docker = DockerRequirement.CreateClient();
        if (provider == DatabaseProvider.Postgres) Certificates = new ClusterCertificates(Path.Combine(_workDir, "tls"));
    }

    /// <summary>The cluster's CA and certificate (PostgreSQL deployments), given to every silo and the gateway.</summary>
    public ClusterCertificates? Certificates { get; }

    /// <summary>The silos' silo-to-silo ports, by silo index.</summary>
    public IReadOnlyList<int> SiloPorts => _siloPorts;

    /// <summary>The silos' gateway (Orleans client) ports, by silo index.</summary>
    public IReadOnlyList<int> SiloGatewayPorts => _gatewayPorts;

    /// <summary>The silos' Prometheus ports (<c>Silo__MetricsPort</c>, on 127.0.0.1), by silo index.</summary>
    public IReadOnlyList<int> SiloMetricsPorts => _metricsPorts;

    /// <summary>The environment the gateway is started with, e.g. to start another Orleans client like it.</summary>
    public IReadOnlyDictionary<string, string> NewGatewayEnvironment() => GatewayEnvironment();

    public string ClusterId { get; }

    /// <summary>The bootstrap admin key this deployment is configured with; <see cref="Http"/> sends it.</summary>
    public string AdminKey { get; }

    /// <summary>A client on the gateway's real socket, sending <paramref name="apiKey"/> when given.</summary>
    public HttpClient NewClient(string? apiKey)
    {
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{HttpPort}"), Timeout = TimeSpan.FromSeconds(240) };
        if (apiKey is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    /// <summary>The silos' working directory: the filesystem sink keeps snapshots below it.</summary>
    public string WorkDirectory => _workDir;

    public int HttpPort { get; }

    public HttpClient Http { get; }

    public BerthApi Api { get; }

    public DockerClient Docker { get; }

    /// <summary>The PostgreSQL connection string of this deployment's own database.</summary>
    public string ConnectionString => _connectionString;

    public async Task StartAsync()
    {
        Directory.CreateDirectory(Path.Combine(_workDir, "workloads"));
        switch (_provider)
        {
            case DatabaseProvider.Postgres:
                _databaseName = $"berth_{ClusterId.Replace('-', '_')}";
                _connectionString = await PostgresRequirement.CreateDatabaseAsync(_databaseName);
                break;
            case DatabaseProvider.Sqlite:
                _connectionString = $"Data Source={Path.Combine(_workDir, "berth.db")}";
                break;
        }
        for (var i = 0; i < _siloCount; i++) StartSilo(i);
        _gateway = new BerthProcess("gateway", RepositoryPaths.GatewayDll, ["--urls", $"http://127.0.0.1:{HttpPort}"], GatewayEnvironment(), Path.Combine(_workDir, "gateway.log"));
        await WaitUntilReadyAsync();
    }

    private Dictionary<string, string> CommonEnvironment()
    {
        var env = new Dictionary<string, string>
        {
            ["Database__Provider"] = _provider.ToString(),
            ["Database__ConnectionString"] = _connectionString,
        };
        if (Certificates is not null)
        {
            foreach (var (key, value) in Certificates.Environment) env[key] = value;
        }
        return env;
    }

    private Dictionary<string, string> GatewayEnvironment()
    {
        var env = CommonEnvironment();
        env["Gateway__ClusterId"] = ClusterId;
        env["Auth__BootstrapAdminKey"] = AdminKey;
        // Storms and failover tests send far more than a real client should; the rate-limit test sets its own.
        env["Gateway__RateLimit__PermitsPerSecond"] = "100000";
        env["Gateway__RateLimit__Burst"] = "100000";
        foreach (var (key, value) in _extraGatewayEnvironment) env[key] = value;
        for (var i = 0; i < _siloCount; i++) env[$"Gateway__SiloGatewayPorts__{i}"] = _gatewayPorts[i].ToString();
        return env;
    }

    /// <summary>Settings of one silo only (e.g. an agent silo's <c>Silo__Agent__*</c>), set before StartAsync.</summary>
    public Dictionary<int, Dictionary<string, string>> SiloOverrides { get; } = [];

    /// <summary>Starts silo <paramref name="index"/> (again, after a kill or a stop) on its own ports.</summary>
    public void StartSilo(int index)
    {
        if (_silos[index] is { HasExited: false })
        {
            throw new InvalidOperationException($"silo {index} is still running");
        }
        if (_silos[index] is { } old) _retired.Add(old);
        var env = CommonEnvironment();
        env["Silo__SiloPort"] = _siloPorts[index].ToString();
        env["Silo__GatewayPort"] = _gatewayPorts[index].ToString();
        env["Silo__MetricsPort"] = _metricsPorts[index].ToString();
        env["Silo__WorkloadsDirectory"] = Path.Combine(_workDir, "workloads");
        env["Berth__ClusterId"] = ClusterId;
        // Killed silos are declared dead in seconds, not Orleans' default half-minute or more.
        env["Silo__Membership__ProbeTimeout"] = "00:00:02";
        env["Silo__Membership__NumMissedProbesLimit"] = "2";
        env["Berth__HostSweepInterval"] = "00:00:00.500";
        env["Berth__PoolTickInterval"] = "00:00:00.500";
        env["Berth__OrphanGracePeriod"] = "00:00:05";
        env["Berth__ClaimAuditInterval"] = "00:00:05";
        foreach (var (key, value) in _extraSiloEnvironment) env[key] = value;
        foreach (var (key, value) in SiloOverrides.GetValueOrDefault(index) ?? new Dictionary<string, string>()) env[key] = value;
        _silos[index] = new BerthProcess($"silo{index}", RepositoryPaths.SiloDll, [], env,
            Path.Combine(_workDir, $"silo{index}-{DateTime.UtcNow:HHmmssfff}.log"));
    }

    /// <summary>Silo <paramref name="index"/>'s process as last started (null before the first start).</summary>
    public BerthProcess? Silo(int index) => _silos[index];

    /// <summary>SIGKILL: a crash, with no chance to hand anything over.</summary>
    public void KillSilo(int index) => _silos[index]?.Kill();

    /// <summary>SIGTERM: a graceful shutdown that hands the silo's grains over.</summary>
    public Task StopSiloAsync(int index) => _silos[index]?.TerminateAsync(TimeSpan.FromSeconds(60)) ?? Task.CompletedTask;

    public async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            if (_gateway!.HasExited || _silos.All(s => s is null or { HasExited: true }))
            {
                // Exit codes say who ended it: 137 is a SIGKILL from outside, anything else the process itself.
                var exits = string.Join(", ", _silos.OfType<BerthProcess>().Append(_gateway!).Where(p => p.HasExited).Select(p => $"{p.Name} exited with {p.ExitCode}"));
                throw new InvalidOperationException($"Berth exited during start-up ({exits}).\n{Diagnostics}");
            }
            try
            {
                // Ready, and the admin key registered (the gateway does that in the background).
                using var response = await Http.GetAsync("/auth/whoami");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Berth was not ready in time.\n{Diagnostics}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>Everything every silo has logged so far (including silos since restarted).</summary>
    public IReadOnlyList<string> SiloOutput =>
        [.. _retired.Concat(_silos.OfType<BerthProcess>()).SelectMany(s => s.Output)];

    public string Diagnostics => string.Join("\n", _silos.OfType<BerthProcess>().Select(s => $"--- {s.Name} ---\n{s.Tail()}"))
        + $"\n--- gateway ---\n{_gateway?.Tail()}";

    /// <summary>Every container of this deployment, optionally of one workload, as Docker sees them.</summary>
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

    public async ValueTask DisposeAsync()
    {
        _gateway?.Dispose();
        foreach (var silo in _silos.OfType<BerthProcess>().Concat(_retired)) silo.Dispose();
        Http.Dispose();
        try
        {
            foreach (var container in await ListContainersAsync())
            {
                await Docker.Containers.RemoveContainerAsync(container.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true });
            }
            // Stack networks carry the cluster's label too, and each holds a subnet of the engine's.
            foreach (var network in await Docker.Networks.ListNetworksAsync(new NetworksListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"berth.cluster={ClusterId}"] = true } },
            }))
            {
                await Docker.Networks.DeleteNetworkAsync(network.ID);
            }
        }
        catch (Exception)
        {
            // The engine of a test that stopped it may be gone; its own cleanup handles that.
        }
        Docker.Dispose();
        if (_databaseName is not null) await PostgresRequirement.DropDatabaseAsync(_databaseName);
    }
}
