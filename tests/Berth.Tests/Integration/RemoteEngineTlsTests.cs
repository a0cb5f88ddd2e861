using Berth.Configuration;
using Berth.Tests.Support;
using Docker.DotNet;

namespace Berth.Tests.Integration;

/// <summary>A remote engine reached over TCP with mutual TLS, as docs/security.md describes.</summary>
public sealed class RemoteEngineTlsTests
{
    [DockerFact]
    public async Task Berth_drives_an_engine_over_mutual_tls_that_refuses_clients_without_a_certificate()
    {
        await using var engine = new PrivateDockerEngine();
        var certificates = new TestCertificates(Path.Combine(Path.GetTempPath(), "berth-tls", Guid.NewGuid().ToString("N")[..8]));
        var port = FreePort.Next();
        engine.ListenWithTls(port, certificates);
        await engine.StartAsync();
        await engine.LoadImageAsync(DockerRequirement.TestImage);

        // Without a client certificate the engine answers nothing.
        using (var plain = new DockerClientConfiguration(new Uri($"tcp://127.0.0.1:{port}"), defaultTimeout: TimeSpan.FromSeconds(5)).CreateClient())
        {
            await Assert.ThrowsAnyAsync<Exception>(() => plain.System.PingAsync());
        }

        await using var berth = new BerthDeployment(DatabaseProvider.Memory, siloEnvironment: new Dictionary<string, string>
        {
            ["Berth__Hosts__0__Id"] = "remote",
            ["Berth__Hosts__0__Endpoint"] = $"tcp://127.0.0.1:{port}",
            ["Berth__Hosts__0__TlsClientCertificate"] = certificates.ClientCertificate,
            ["Berth__Hosts__0__TlsClientKey"] = certificates.ClientKey,
            ["Berth__Hosts__0__TlsCaCertificate"] = certificates.CaCertificate,
        });
        await berth.StartAsync();
        var workload = Workloads.NewId("tls");
        (await berth.Api.PutWorkloadYamlAsync(workload, Workloads.Sleeper(workload, 0, 2))).EnsureSuccessStatusCode();

        var claim = await berth.Api.ClaimOkAsync($"t-{workload}", workload);

        Assert.Equal("remote", claim.HostId);
        using var local = engine.CreateClient();
        var inspect = await local.Containers.InspectContainerAsync(claim.ContainerId);
        Assert.True(inspect.State.Running);
        await berth.Api.ReleaseOkAsync($"t-{workload}", workload);
    }
}
