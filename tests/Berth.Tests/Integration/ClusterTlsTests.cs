using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Berth.Configuration;
using Berth.Grains;
using Berth.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using Orleans.Configuration;
using Orleans.Hosting;
using Xunit.Abstractions;

namespace Berth.Tests.Integration;

/// <summary>
/// The shared deployment of <see cref="ClusterTlsTests"/>: two silos and the gateway on PostgreSQL,
/// with the cluster certificates that <see cref="BerthDeployment"/> makes for every PostgreSQL
/// deployment (so mutual TLS on every connection between them).
/// </summary>
public sealed class ClusterTlsFixture : IAsyncLifetime
{
    private BerthDeployment? _deployment;

    public BerthDeployment Deployment => _deployment ?? throw new InvalidOperationException("PostgreSQL or Docker is unavailable");

    public async Task InitializeAsync()
    {
        // Skipped locally by [PostgresDockerFact] when a service is missing; in CI this starts and fails loudly.
        if (Requirements.SkipReason(docker: true, postgres: true) is not null) return;
        _deployment = new BerthDeployment(DatabaseProvider.Postgres, silos: 2);
        await _deployment.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_deployment is not null) await _deployment.DisposeAsync();
    }
}

/// <summary>
/// Mutual TLS between Berth's processes (docs/cluster-tls.md), on real processes and real sockets
/// on 127.0.0.1: a cluster on PostgreSQL runs and serves on TLS; an Orleans client without a
/// certificate, or with one of another CA, calls no grain, while the same client with the
/// cluster's certificate does; a silo on PostgreSQL without certificates refuses to start.
/// </summary>
public sealed class ClusterTlsTests(ClusterTlsFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterTlsFixture>
{
    private const string ServiceId = "berth";

    /// <summary>Only bounds a hung wait; never a speed assertion.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(3);

    [PostgresDockerFact]
    public async Task A_postgres_cluster_on_tls_forms_and_serves_api_calls_through_its_grains()
    {
        var berth = fixture.Deployment;
        Assert.NotNull(berth.Certificates);

        // Through the gateway (its Orleans client on TLS) to the catalog and pool grains.
        var workload = Workloads.NewId("tls");
        using (var put = await berth.Api.PutWorkloadYamlAsync(workload, Workloads.Sleeper(workload, 0, 1)))
        {
            Assert.True(put.IsSuccessStatusCode, $"{(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
        }
        var listed = await berth.Http.GetStringAsync("/workloads");
        Assert.Contains(workload, listed);
        var pool = await berth.Api.PoolAsync(workload);
        Assert.Equal(0, pool.Claimed);

        // Both silos joined and stay active: joining and membership probes go silo to silo, on TLS.
        var active = await Eventually.Until(() => ActiveSilosAsync(berth), n => n == 2, "both silos to be active in the membership table");
        Assert.Equal(2, active);

        // Every process says TLS is on; none refused a handshake of the cluster's own certificate.
        Assert.Equal(2, berth.SiloOutput.Count(l => l.Contains("Cluster TLS on (required by Database__Provider=Postgres", StringComparison.Ordinal)));
        Assert.DoesNotContain(berth.SiloOutput, l => l.Contains("DOES NOT CHAIN", StringComparison.Ordinal));
    }

    [PostgresDockerFact]
    public async Task Every_silo_port_speaks_tls_and_serves_only_certificates_of_the_cluster_ca()
    {
        var berth = fixture.Deployment;
        var certificates = berth.Certificates!;
        using var clusterCertificate = certificates.LoadCertificate();
        using var ca = certificates.LoadCa();
        var other = new ClusterCertificates(Path.Combine(berth.WorkDirectory, "other-ca"), "berth-test-other");
        using var otherCertificate = other.LoadCertificate();

        // The server judges the client's certificate once the handshake is done, and either drops
        // the connection or hands it to Orleans. On a silo-to-silo port Orleans speaks first (its
        // preamble), so the verdict shows as bytes or a close; on a gateway port it waits for the
        // client, so only the refusal (a close without a byte) is observable here; the Orleans
        // client tests cover acceptance there.
        foreach (var port in berth.SiloPorts)
        {
            var accepted = await TlsProbeAsync(port, clusterCertificate, readUntilData: true);
            Assert.True(accepted.Completed, $"silo port {port} refused the cluster's certificate: {accepted.Error}");
            Assert.True(ChainsTo(accepted.ServerCertificate!, ca), $"silo port {port} presented {accepted.ServerCertificate!.Subject}, not a certificate of the cluster CA");
            Assert.True(accepted.BytesReceived > 0, $"silo port {port} closed a connection with the cluster's certificate: {accepted.Error}");
        }
        foreach (var port in berth.SiloGatewayPorts)
        {
            var accepted = await TlsProbeAsync(port, clusterCertificate, readUntilData: false);
            Assert.True(accepted.Completed, $"gateway port {port} refused the cluster's certificate: {accepted.Error}");
            Assert.True(ChainsTo(accepted.ServerCertificate!, ca), $"gateway port {port} presented {accepted.ServerCertificate!.Subject}, not a certificate of the cluster CA");
        }
        foreach (var port in berth.SiloPorts.Concat(berth.SiloGatewayPorts))
        {
            var anonymous = await TlsProbeAsync(port, clientCertificate: null, readUntilData: true);
            Assert.True(anonymous.BytesReceived == 0, $"port {port} sent {anonymous.BytesReceived} bytes to a client without a certificate");
            var foreign = await TlsProbeAsync(port, otherCertificate, readUntilData: true);
            Assert.True(foreign.BytesReceived == 0, $"port {port} sent {foreign.BytesReceived} bytes to a client with a certificate of another CA");
        }
    }

    [PostgresDockerFact]
    public async Task An_orleans_client_without_a_certificate_cannot_call_any_grain()
    {
        var berth = fixture.Deployment;

        var failure = await CallCatalogAsync(berth.ClusterId, berth.SiloGatewayPorts);

        Assert.NotNull(failure);
        output.WriteLine($"refused as expected: {failure!.GetType().Name}: {failure.Message}");
    }

    /// <summary>
    /// The control of the test above: the very same client calls the catalog grain of a cluster
    /// running with TLS explicitly off, which also logs its loud warning.
    /// </summary>
    [PostgresDockerFact]
    public async Task The_same_client_calls_grains_of_a_cluster_with_tls_off_which_warns_loudly()
    {
        var off = new Dictionary<string, string> { ["Cluster__Tls__Mode"] = "off" };
        await using var berth = new BerthDeployment(DatabaseProvider.Postgres, silos: 1, siloEnvironment: off, gatewayEnvironment: off);
        await berth.StartAsync();

        var failure = await CallCatalogAsync(berth.ClusterId, berth.SiloGatewayPorts);

        Assert.Null(failure);
        Assert.Contains(berth.SiloOutput, l => l.Contains("CLUSTER TLS IS OFF (Cluster__Tls__Mode=off) with Database__Provider=Postgres", StringComparison.Ordinal));
    }

    [PostgresDockerFact]
    public async Task An_orleans_client_with_a_certificate_of_another_ca_cannot_call_any_grain()
    {
        var berth = fixture.Deployment;
        var other = new ClusterCertificates(Path.Combine(berth.WorkDirectory, "other-ca-client"), "berth-test-intruder");

        // A second gateway (Berth's own Orleans client) that trusts the cluster's CA, so that it
        // accepts the silos, but presents a certificate of another CA.
        using var client = await StartGatewayAsync(berth, new Dictionary<string, string>
        {
            ["Cluster__Tls__Certificate"] = other.Certificate,
            ["Cluster__Tls__Key"] = other.Key,
            ["Cluster__Tls__Ca"] = berth.Certificates!.Ca,
        });

        Assert.False(client.Ready, "a client with a certificate of another CA answered /readyz, which calls IWorkloadCatalogGrain.List");
        Assert.NotEqual(0, client.Process.ExitCode);
        Assert.Contains("DOES NOT CHAIN", client.Process.Output);
        Assert.Contains("No silo answered", client.Process.Output);
    }

    [PostgresDockerFact]
    public async Task An_orleans_client_with_the_cluster_certificate_can_call_a_grain()
    {
        var berth = fixture.Deployment;

        // The same second gateway as above, with the cluster's certificate (from PEM text in the
        // environment this time, the other way to give it).
        using var client = await StartGatewayAsync(berth, new Dictionary<string, string>
        {
            ["Cluster__Tls__Certificate"] = "",
            ["Cluster__Tls__Key"] = "",
            ["Cluster__Tls__Ca"] = "",
            ["Cluster__Tls__CertificatePem"] = berth.Certificates!.CertificatePem,
            ["Cluster__Tls__KeyPem"] = berth.Certificates.KeyPem,
            ["Cluster__Tls__CaPem"] = berth.Certificates.CaPem,
        });

        Assert.True(client.Ready, $"a client with the cluster's certificate could not call a grain:\n{client.Process.Tail()}");
        Assert.Contains("Cluster TLS on", client.Process.Output);
    }

    [PostgresDockerFact]
    public async Task Plaintext_bytes_to_a_silo_gateway_port_get_no_orleans_answer()
    {
        var berth = fixture.Deployment;
        foreach (var port in berth.SiloGatewayPorts)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            var stream = tcp.GetStream();
            // Shaped like what an Orleans client sends first: a length-prefixed preamble.
            var preamble = new byte[64];
            BinaryPrimitives.WriteInt32LittleEndian(preamble, preamble.Length - 4);
            "orleans-preamble"u8.CopyTo(preamble.AsSpan(4));
            await stream.WriteAsync(preamble);

            var received = new List<byte>();
            var buffer = new byte[4096];
            using var bound = new CancellationTokenSource(Bound);
            try
            {
                int n;
                while ((n = await stream.ReadAsync(buffer, bound.Token)) > 0) received.AddRange(buffer.AsSpan(0, n).ToArray());
            }
            catch (IOException)
            {
                // Reset by the silo: also no answer.
            }
            Assert.False(bound.IsCancellationRequested, $"port {port} kept a plaintext connection open");
            // Nothing, or a TLS alert record (content type 21): never Orleans bytes.
            Assert.True(received.Count == 0 || received[0] == 21,
                $"port {port} answered plaintext with {received.Count} bytes starting {Convert.ToHexString(received.Take(16).ToArray())}");
        }
    }

    [Fact]
    public async Task A_silo_or_gateway_on_postgres_without_certificates_refuses_to_start_naming_the_setting()
    {
        var work = Path.Combine(Path.GetTempPath(), "berth-tests", $"tls-{Guid.NewGuid():N}"[..12]);
        Directory.CreateDirectory(work);
        var postgres = new Dictionary<string, string>
        {
            ["Database__Provider"] = "Postgres",
            // Never reached: the TLS settings are checked while the host is being configured.
            ["Database__ConnectionString"] = "Host=127.0.0.1;Port=1;Username=none;Database=none",
            ["Silo__SiloPort"] = FreePort.Next().ToString(),
            ["Silo__GatewayPort"] = FreePort.Next().ToString(),
        };
        foreach (var dll in new[] { RepositoryPaths.SiloDll, RepositoryPaths.GatewayDll })
        {
            using var process = new ChildProcess(dll, ["--urls", $"http://127.0.0.1:{FreePort.Next()}"], postgres, work);
            Assert.True(await process.WaitForExitAsync(Bound), $"{Path.GetFileName(dll)} did not stop:\n{process.Tail()}");
            Assert.NotEqual(0, process.ExitCode);
            Assert.Contains("Cluster__Tls__Certificate", process.Output);
            Assert.Contains("Cluster__Tls__Ca", process.Output);
            Assert.Contains("Cluster__Tls__Mode=off", process.Output);
        }

        // Mode=required demands them on the single-node SQLite default too.
        var required = new Dictionary<string, string>
        {
            ["Database__Provider"] = "Sqlite",
            ["Database__ConnectionString"] = $"Data Source={Path.Combine(work, "berth.db")}",
            ["Silo__SiloPort"] = FreePort.Next().ToString(),
            ["Silo__GatewayPort"] = FreePort.Next().ToString(),
            ["Cluster__Tls__Mode"] = "required",
        };
        using (var silo = new ChildProcess(RepositoryPaths.SiloDll, [], required, work))
        {
            Assert.True(await silo.WaitForExitAsync(Bound), $"the silo did not stop:\n{silo.Tail()}");
            Assert.NotEqual(0, silo.ExitCode);
            Assert.Contains("Cluster__Tls__Mode=required", silo.Output);
            Assert.Contains("Cluster__Tls__Certificate", silo.Output);
        }
    }

    /// <summary>
    /// An Orleans client built here, on plain TCP, with the deployment's cluster id and the silos'
    /// gateway ports: the error of connecting and calling the catalog grain, or null if it answered.
    /// Bounded by a number of connection attempts and the response timeout.
    /// </summary>
    private static async Task<Exception?> CallCatalogAsync(string clusterId, IReadOnlyList<int> gatewayPorts)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering([.. gatewayPorts.Select(p => new IPEndPoint(IPAddress.Loopback, p))]);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = clusterId;
                o.ServiceId = ServiceId;
            });
            var attempts = 0;
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
                return Interlocked.Increment(ref attempts) < 10;
            });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(30));
        });
        using var host = builder.Build();
        try
        {
            await host.StartAsync();
            await host.Services.GetRequiredService<IClusterClient>().GetGrain<IWorkloadCatalogGrain>(0).List();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
        finally
        {
            try
            {
                using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await host.StopAsync(stop.Token);
            }
            catch (Exception)
            {
                // A client that never connected may complain on the way out.
            }
        }
    }

    private sealed record Probe(bool Completed, X509Certificate2? ServerCertificate, int BytesReceived, Exception? Error);

    /// <summary>
    /// A TLS handshake from here, presenting <paramref name="clientCertificate"/> (or none); then,
    /// if asked, a read until the first application bytes or until the server closes the connection.
    /// </summary>
    private static async Task<Probe> TlsProbeAsync(int port, X509Certificate2? clientCertificate, bool readUntilData)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        X509Certificate2? server = null;
        await using var tls = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        using var bound = new CancellationTokenSource(Bound);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                // Present the certificate whatever the server asks for; judge the server's afterwards.
                LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    server = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                    return true;
                },
            }, bound.Token);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            return new Probe(false, server, 0, ex);
        }
        if (!readUntilData) return new Probe(true, server, 0, null);
        try
        {
            var buffer = new byte[1024];
            var n = await tls.ReadAsync(buffer, bound.Token);
            return new Probe(true, server, n, null);
        }
        catch (OperationCanceledException) when (bound.IsCancellationRequested)
        {
            throw new Xunit.Sdk.XunitException($"port {port} neither answered nor closed the connection");
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            return new Probe(true, server, 0, ex);
        }
    }

    private static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private static async Task<int> ActiveSilosAsync(BerthDeployment berth)
    {
        await using var connection = new NpgsqlConnection(berth.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM orleansmembershiptable WHERE deploymentid = @cluster AND status = 3", connection);
        command.Parameters.AddWithValue("cluster", berth.ClusterId);
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }

    private sealed record GatewayOutcome(bool Ready, ChildProcess Process) : IDisposable
    {
        public void Dispose() => Process.Dispose();
    }

    /// <summary>
    /// Another gateway process on the deployment (an Orleans client, as in production) with the
    /// given settings on top of the deployment's: ready once its /readyz (a call to the catalog
    /// grain) answers, or not, once it has given up connecting and exited.
    /// </summary>
    private static async Task<GatewayOutcome> StartGatewayAsync(BerthDeployment berth, IReadOnlyDictionary<string, string> settings)
    {
        var port = FreePort.Next();
        var env = new Dictionary<string, string>(berth.NewGatewayEnvironment());
        foreach (var (key, value) in settings) env[key] = value;
        env["Gateway__ConnectTimeout"] = "00:00:20";
        var process = new ChildProcess(RepositoryPaths.GatewayDll, ["--urls", $"http://127.0.0.1:{port}"], env, berth.WorkDirectory);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        var deadline = DateTime.UtcNow + Bound;
        while (true)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(Bound); // and for its last lines of output
                return new GatewayOutcome(false, process);
            }
            try
            {
                using var response = await http.GetAsync("/readyz");
                if (response.IsSuccessStatusCode) return new GatewayOutcome(true, process);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }
            if (DateTime.UtcNow > deadline)
            {
                process.Dispose();
                throw new Xunit.Sdk.XunitException($"the extra gateway neither became ready nor gave up:\n{process.Tail()}");
            }
            await Task.Delay(250);
        }
    }

    /// <summary>A silo or gateway process whose exit code and output the test reads.</summary>
    private sealed class ChildProcess : IDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _output = new();

        public ChildProcess(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment, string workingDirectory)
        {
            var start = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = workingDirectory,
            };
            start.ArgumentList.Add(dll);
            foreach (var arg in args) start.ArgumentList.Add(arg);
            // Only the settings given here: nothing of the kind inherited from the test's own environment.
            foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Cluster__Tls__", StringComparison.OrdinalIgnoreCase)).ToList())
            {
                start.Environment.Remove(key);
            }
            foreach (var (key, value) in environment) start.Environment[key] = value;
            _process = new Process { StartInfo = start };
            _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public bool HasExited => _process.HasExited;

        public int ExitCode => _process.ExitCode;

        public string Output => string.Join('\n', _output);

        public string Tail() => string.Join('\n', _output.TakeLast(40));

        public async Task<bool> WaitForExitAsync(TimeSpan bound)
        {
            using var cts = new CancellationTokenSource(bound);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
            else
            {
                _process.WaitForExit(); // the last lines of output
            }
            _process.Dispose();
        }
    }
}
