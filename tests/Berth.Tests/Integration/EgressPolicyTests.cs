using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Berth.Configuration;
using Berth.Contracts;
using Berth.Tests.Support;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Berth.Tests.Integration;

/// <summary>
/// What a tenant container can reach, measured on the real engine and the real kernel firewall:
/// nothing of the host it runs on, no private address unless its allow list names it, nothing at
/// all with <c>egress: none</c>; and the rules outlive an engine restart and a hand edit.
/// </summary>
[Collection(BerthClusterCollection.Name)]
public sealed class EgressPolicyTests(BerthClusterFixture berth)
{
    private const string Greeting = "hello-from-the-host";

    /// <summary>What busybox nc says when Berth's REJECT answers; a broken bridge would time out instead.</summary>
    private const string Refused = "No route to host";

    [DockerFact]
    public async Task A_listener_on_every_host_address_answers_a_plain_container_but_never_a_tenant()
    {
        using var listener = new HostListener();
        var workload = Workloads.NewId("egress-host");
        (await berth.Api.PutWorkloadYamlAsync(workload, Workloads.WebServer(workload, min: 0, max: 2))).EnsureSuccessStatusCode();
        var claim = await berth.Api.ClaimOkAsync($"t-{workload}", workload);
        var tenantGateway = await GatewayOfAsync(berth.Docker, claim.ContainerId!);
        var docker0 = DefaultBridgeGateway((await berth.Docker.Networks.InspectNetworkAsync("bridge")).IPAM.Config[0]);

        // Control: the same listener answers a container on a network the test made itself, through
        // both gateways, so a refusal below is the policy and not a dead listener.
        await using (var control = await PlainContainer.StartAsync(berth.Docker))
        {
            foreach (var address in new[] { control.Gateway, docker0 })
            {
                var (exit, output) = await ConnectAsync(berth.Docker, control.ContainerId, address, listener.Port);
                Assert.True(exit == 0 && output.Contains(Greeting), $"the control container did not reach the host at {address}: {output}");
            }
        }
        // Control on the tenant's own network: its published port answers (replies get out), so
        // the network works and a refusal below is the firewall's, not a broken bridge.
        var endpoint = claim.Endpoints.Single(e => e.ContainerPort == 8080);
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            using var served = await http.GetAsync($"http://{endpoint.HostIp}:{endpoint.HostPort}/");
            Assert.True(served.IsSuccessStatusCode, $"the tenant's own published port did not answer: {(int)served.StatusCode}");
        }

        foreach (var address in new[] { tenantGateway, docker0, HostAddress() })
        {
            var (exit, output) = await ConnectAsync(berth.Docker, claim.ContainerId!, address, listener.Port);
            Assert.False(output.Contains(Greeting), $"a tenant container reached the host's listener at {address}: {output}");
            Assert.NotEqual(0, exit);
            Assert.Contains(Refused, output);
        }
        var host = JsonDocument.Parse(await berth.Http.GetStringAsync($"/hosts/{claim.HostId}")).RootElement;
        Assert.Equal("managed", host.GetProperty("egress").GetString());
        await berth.Api.ReleaseOkAsync($"t-{workload}", workload);
    }

    [DockerFact]
    public async Task A_server_on_a_private_network_is_reached_only_through_an_allow_entry_naming_it()
    {
        await using var server = await PlainContainer.StartAsync(berth.Docker, serve: true);
        var open = Workloads.NewId("egress-allow");
        var other = Workloads.NewId("egress-public");
        var closed = Workloads.NewId("egress-none");
        (await berth.Api.PutWorkloadYamlAsync(open, WithEgress(open, $"{{ mode: none, allow: [\"{server.Address}:{PlainContainer.ServedPort}\"] }}"))).EnsureSuccessStatusCode();
        (await berth.Api.PutWorkloadYamlAsync(other, WithEgress(other, "public"))).EnsureSuccessStatusCode();
        (await berth.Api.PutWorkloadYamlAsync(closed, WithEgress(closed, "none"))).EnsureSuccessStatusCode();
        var allowed = await berth.Api.ClaimOkAsync($"t-{open}", open);
        var publicOnly = await berth.Api.ClaimOkAsync($"t-{other}", other);
        var none = await berth.Api.ClaimOkAsync($"t-{closed}", closed);

        var (exit, output) = await ConnectAsync(berth.Docker, allowed.ContainerId!, server.Address, PlainContainer.ServedPort);
        Assert.True(exit == 0 && output.Contains(PlainContainer.ServedText), $"the allow entry did not open {server.Address}:{PlainContainer.ServedPort}: {output}");
        // Exactly that port: the same address on another port stays closed.
        (exit, output) = await ConnectAsync(berth.Docker, allowed.ContainerId!, server.Address, PlainContainer.OtherPort);
        Assert.False(output.Contains(PlainContainer.ServedText), $"the allow entry opened another port: {output}");
        Assert.Contains(Refused, output);

        (exit, output) = await ConnectAsync(berth.Docker, publicOnly.ContainerId!, server.Address, PlainContainer.ServedPort);
        Assert.False(output.Contains(PlainContainer.ServedText), $"public egress reached a private address: {output}");
        Assert.NotEqual(0, exit);
        Assert.Contains(Refused, output);

        // Another tenant's container, on another policy's bridge: refused by the firewall (not merely
        // unanswered: nothing listens there, which would say "Connection refused").
        var neighbour = (await berth.Docker.Containers.InspectContainerAsync(allowed.ContainerId)).NetworkSettings.Networks.Values.Single().IPAddress;
        (exit, output) = await ConnectAsync(berth.Docker, publicOnly.ContainerId!, neighbour, PlainContainer.ServedPort);
        Assert.Contains(Refused, output);

        // none: no route anywhere, refused at once rather than left to time out.
        foreach (var address in new[] { server.Address, await GatewayOfAsync(berth.Docker, none.ContainerId!) })
        {
            (exit, output) = await ConnectAsync(berth.Docker, none.ContainerId!, address, PlainContainer.ServedPort);
            Assert.NotEqual(0, exit);
            Assert.Contains(Refused, output);
        }

        // Each policy has a network of its own on the engine.
        var networks = new[] { allowed, publicOnly, none }.Select(c => berth.Docker.Containers.InspectContainerAsync(c.ContainerId).Result.HostConfig.NetworkMode).ToArray();
        Assert.Equal(3, networks.Distinct().Count());
        Assert.Contains("berth-tenants-public", networks);
        Assert.Contains("berth-tenants-none", networks);
        foreach (var (tenant, id) in new[] { ($"t-{open}", open), ($"t-{other}", other), ($"t-{closed}", closed) }) await berth.Api.ReleaseOkAsync(tenant, id);
    }

    [DockerFact]
    public async Task The_rules_survive_an_engine_restart_and_a_removed_hook_is_put_back_by_the_next_sweep()
    {
        await using var engine = new PrivateDockerEngine();
        await engine.StartAsync();
        await engine.LoadImageAsync(DockerRequirement.TestImage);
        await using var deployment = new BerthDeployment(DatabaseProvider.Sqlite, siloEnvironment: new Dictionary<string, string>
        {
            ["Berth__Hosts__0__Id"] = "e3",
            ["Berth__Hosts__0__Endpoint"] = engine.Endpoint,
            ["Berth__Security__RequireEgressPolicy"] = "true",
        });
        await deployment.StartAsync();
        using var e3 = engine.CreateClient();
        using var listener = new HostListener();
        var workload = Workloads.NewId("egress-restart");
        (await deployment.Api.PutWorkloadYamlAsync(workload, Workloads.Sleeper(workload, min: 0, max: 3))).EnsureSuccessStatusCode();

        async Task AssertHostUnreachableAsync(string tenant, string when)
        {
            var claim = await Eventually.Until(async () =>
            {
                using var response = await deployment.Api.ClaimAsync(tenant, workload);
                return response.StatusCode == HttpStatusCode.OK ? await BerthApi.ReadOkAsync<TenantClaimView>(response) : null;
            }, c => c is not null, $"a claim {when}");
            var gateway = await GatewayOfAsync(e3, claim!.ContainerId!);
            var (exit, output) = await ConnectAsync(e3, claim.ContainerId!, gateway, listener.Port);
            Assert.False(output.Contains(Greeting), $"{when}, a tenant container reached the host's listener at {gateway}: {output}");
            Assert.NotEqual(0, exit);
            Assert.Contains(Refused, output);
        }

        await AssertHostUnreachableAsync("before-restart", "before the engine restart");
        await engine.StopAsync();
        await engine.StartAsync();
        await AssertHostUnreachableAsync("after-restart", "after the engine restart");

        // Someone removes Berth's hook from INPUT: the next sweep puts it back first in the chain.
        var (removed, error) = await RunAsync("iptables", "-w", "-D", "INPUT", "-j", "BERTH-INPUT");
        Assert.True(removed == 0, error);
        await Eventually.Until(async () => (await RunAsync("iptables", "-w", "-S", "INPUT")).Output, o => FirstRule(o, "INPUT") == "-A INPUT -j BERTH-INPUT",
            "the INPUT hook to be put back", TimeSpan.FromSeconds(30));
        await AssertHostUnreachableAsync("after-repair", "after the hook was removed and repaired");
    }

    private static string WithEgress(string id, string egress) => $"""
        id: {id}
        image: {DockerRequirement.TestImage}
        command: ["sleep", "3600"]
        network:
          egress: {egress}
        pool:
          min_size: 0
          max_size: 2
        """;

    private static string? FirstRule(string rules, string chain) =>
        rules.Split('\n').FirstOrDefault(l => l.StartsWith($"-A {chain} ", StringComparison.Ordinal));

    /// <summary>busybox nc with an outer timeout (its own -w bounds only idle time); the output holds what the server sent or why not.</summary>
    private static Task<(long ExitCode, string Output)> ConnectAsync(DockerClient docker, string containerId, string address, int port) =>
        ContainerFiles.ExecAsync(docker, containerId, "busybox", "timeout", "5", "sh", "-c", $"echo | nc -w 2 {address} {port} 2>&1");

    /// <summary>
    /// docker0's address. A freshly started engine reports only the default bridge's subnet, not
    /// its gateway; the engine then gives docker0 the subnet's first address.
    /// </summary>
    private static string DefaultBridgeGateway(IPAMConfig config)
    {
        if (!string.IsNullOrEmpty(config.Gateway)) return config.Gateway;
        var bytes = IPNetwork.Parse(config.Subnet).BaseAddress.GetAddressBytes();
        bytes[^1]++;
        return new IPAddress(bytes).ToString();
    }

    private static async Task<string> GatewayOfAsync(DockerClient docker, string containerId)
    {
        var inspect = await docker.Containers.InspectContainerAsync(containerId);
        var gateway = inspect.NetworkSettings.Networks.Values.Single().Gateway;
        Assert.False(string.IsNullOrEmpty(gateway), $"container {containerId} has no gateway");
        return gateway;
    }

    /// <summary>The host's address on its main interface (the one with the default route), when it has one.</summary>
    private static string HostAddress() =>
        System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(i => i.Name == "eth0" || (i.NetworkInterfaceType == System.Net.NetworkInformation.NetworkInterfaceType.Ethernet && !i.Name.StartsWith("br", StringComparison.Ordinal) && !i.Name.StartsWith("docker", StringComparison.Ordinal) && !i.Name.StartsWith("veth", StringComparison.Ordinal)))
            .SelectMany(i => i.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))?.ToString()
            ?? "127.0.0.1";

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output + error);
    }

    /// <summary>A TCP listener on every host address (IPv4 and IPv6) that greets and hangs up; it stops with the test.</summary>
    private sealed class HostListener : IDisposable
    {
        private readonly TcpListener _listener;
        private readonly CancellationTokenSource _stop = new();

        public HostListener()
        {
            _listener = new TcpListener(IPAddress.IPv6Any, 0);
            _listener.Server.DualMode = true;
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = ServeAsync();
        }

        public int Port { get; }

        private async Task ServeAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    await client.GetStream().WriteAsync(Encoding.ASCII.GetBytes(Greeting + "\n"), _stop.Token);
                }
                catch (Exception) when (_stop.IsCancellationRequested)
                {
                    return;
                }
                catch (IOException)
                {
                }
                catch (SocketException)
                {
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }

    /// <summary>
    /// A container on a bridge network of the test's own (not Berth's, no rules): a control client,
    /// or a server on <see cref="ServedPort"/> and <see cref="OtherPort"/>.
    /// </summary>
    private sealed class PlainContainer : IAsyncDisposable
    {
        public const int ServedPort = 7001;
        public const int OtherPort = 7002;
        public const string ServedText = "served-by-a-private-container";
        private readonly DockerClient _docker;
        private readonly string _network;

        private PlainContainer(DockerClient docker, string network, string containerId, string address, string gateway)
        {
            _docker = docker;
            _network = network;
            ContainerId = containerId;
            Address = address;
            Gateway = gateway;
        }

        public string ContainerId { get; }
        public string Address { get; }
        public string Gateway { get; }

        public static async Task<PlainContainer> StartAsync(DockerClient docker, bool serve = false)
        {
            var network = $"egress-test-{Guid.NewGuid():N}"[..24];
            await docker.Networks.CreateNetworkAsync(new NetworksCreateParameters { Name = network, Driver = "bridge" });
            // Two servers that answer every connection with the text, for as long as the container lives.
            var script = serve
                ? $"while true; do echo {ServedText} | nc -l -p {ServedPort}; done & while true; do echo {ServedText} | nc -l -p {OtherPort}; done"
                : "sleep 600";
            var created = await docker.Containers.CreateContainerAsync(new CreateContainerParameters
            {
                Image = DockerRequirement.TestImage,
                Cmd = ["sh", "-c", script],
                Labels = new Dictionary<string, string> { ["berth.test"] = "egress" },
                HostConfig = new HostConfig { NetworkMode = network, AutoRemove = false },
            });
            await docker.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
            var inspect = await docker.Containers.InspectContainerAsync(created.ID);
            var endpoint = inspect.NetworkSettings.Networks[network];
            return new PlainContainer(docker, network, created.ID, endpoint.IPAddress, endpoint.Gateway);
        }

        public async ValueTask DisposeAsync()
        {
            await _docker.Containers.RemoveContainerAsync(ContainerId, new ContainerRemoveParameters { Force = true });
            await _docker.Networks.DeleteNetworkAsync(_network);
        }
    }
}
