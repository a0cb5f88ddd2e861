using System.Diagnostics;
using Docker.DotNet;

namespace Berth.Tests.Support;

/// <summary>
/// A Docker engine of the test's own, beside the shared one: its own bridge, data root, exec root,
/// socket and pid file, so the test may stop and start it ("engine down") without touching the
/// engine other tests use. Needs root, as the CI run is.
/// </summary>
public sealed class PrivateDockerEngine : IAsyncDisposable
{
    private readonly string _root;
    private readonly string _bridge;
    private Process? _dockerd;

    public PrivateDockerEngine()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        // Short paths: containerd's sockets live under the exec root, and socket paths are limited to 108 bytes.
        _root = $"/tmp/be-{id}";
        _bridge = $"brb-{id}";
        Socket = $"{_root}/docker.sock";
    }

    public string Socket { get; }

    /// <summary>Also listen on tcp://127.0.0.1:<paramref name="port"/>, requiring mutual TLS with these certificates.</summary>
    public void ListenWithTls(int port, TestCertificates certificates)
    {
        TlsPort = port;
        _tls = certificates;
    }

    private TestCertificates? _tls;

    public int? TlsPort { get; private set; }

    /// <summary>The root directory of this engine's files, for a test's own (e.g. certificates).</summary>
    public string Root => _root;

    public string Endpoint => $"unix://{Socket}";

    public DockerClient CreateClient() => new DockerClientConfiguration(new Uri(Endpoint)).CreateClient();

    public async Task StartAsync()
    {
        if (!Directory.Exists(_root))
        {
            Directory.CreateDirectory(_root);
            // Its own bridge: an engine started with --bridge none would delete the shared engine's docker0.
            await RunAsync("ip", $"link add {_bridge} type bridge");
            // A subnet of its own per run, so that concurrent runs on one machine do not collide.
            await RunAsync("ip", $"addr add 172.31.{Random.Shared.Next(200, 250)}.1/24 dev {_bridge}");
            await RunAsync("ip", $"link set {_bridge} up");
        }
        var start = new ProcessStartInfo("dockerd")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            "--data-root", $"{_root}/data", "--exec-root", $"{_root}/exec", "-H", Endpoint,
            "--pidfile", $"{_root}/docker.pid", "--bridge", _bridge, "--iptables=false", "--ip-masq=false",
        })
        {
            start.ArgumentList.Add(arg);
        }
        if (_tls is not null)
        {
            foreach (var arg in new[]
            {
                "-H", $"tcp://127.0.0.1:{TlsPort}", "--tlsverify",
                "--tlscacert", _tls.CaCertificate, "--tlscert", _tls.ServerCertificate, "--tlskey", _tls.ServerKey,
            })
            {
                start.ArgumentList.Add(arg);
            }
        }
        _dockerd = Process.Start(start)!;
        _dockerd.OutputDataReceived += (_, _) => { };
        _dockerd.ErrorDataReceived += (_, _) => { };
        _dockerd.BeginOutputReadLine();
        _dockerd.BeginErrorReadLine();

        using var client = CreateClient();
        await Eventually.Until(async () =>
        {
            try
            {
                await client.System.PingAsync();
                return true;
            }
            catch (Exception)
            {
                return false;
            }
        }, up => up, $"the private engine on {Socket} to answer", TimeSpan.FromSeconds(60));
    }

    /// <summary>Copies an image from the shared engine (no registry here).</summary>
    public Task LoadImageAsync(string image) =>
        RunAsync("bash", $"-c \"docker -H unix://{DockerRequirement.Socket} save {image} | docker -H {Endpoint} load -q\"");

    /// <summary>Stops the engine (SIGTERM, as `systemctl stop docker` does); its containers stop with it.</summary>
    public async Task StopAsync()
    {
        if (_dockerd is null || _dockerd.HasExited) return;
        await RunAsync("kill", $"-TERM {_dockerd.Id}");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await _dockerd.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _dockerd.Kill(entireProcessTree: true);
        }
    }

    /// <summary>
    /// SIGKILL to the engine and its containerd (its child, by parent pid): a host that dies. Shims
    /// re-parent themselves away, so containers may live on unreachable; the next start reconciles them.
    /// </summary>
    public async Task KillAsync()
    {
        if (_dockerd is null || _dockerd.HasExited) return;
        await RunAsync("bash", $"-c \"pkill -KILL -P {_dockerd.Id}; kill -KILL {_dockerd.Id}\"", check: false);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _dockerd.WaitForExitAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // Containers first, so that nothing of this engine outlives the test.
            if (_dockerd is { HasExited: false })
            {
                await RunAsync("bash", $"-c \"docker -H {Endpoint} ps -aq | xargs -r docker -H {Endpoint} rm -f\"");
                // Its networks' bridges live in the host's namespace and would outlive the engine.
                await RunAsync("docker", $"-H {Endpoint} network prune -f", check: false);
            }
            await StopAsync();
        }
        finally
        {
            _dockerd?.Dispose();
            await RunAsync("ip", $"link delete {_bridge}", check: false);
            await RunAsync("bash", $"-c \"umount -R {_root}/data 2>/dev/null; umount -R {_root}/exec 2>/dev/null; rm -rf {_root}\"", check: false);
        }
    }

    private static async Task RunAsync(string file, string arguments, bool check = true)
    {
        var start = new ProcessStartInfo(file, arguments) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {arguments} failed ({process.ExitCode}): {await stderr}");
        }
    }
}
