using System.Net;
using System.Text;
using System.Text.Json;
using Berth.Configuration;
using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>Every container Berth makes is locked down, and tenants cannot reach each other (real engine).</summary>
[Collection(BerthClusterCollection.Name)]
public sealed class HardeningTests(BerthClusterFixture berth)
{
    private async Task<string> PutAsync(BerthDeployment deployment, string id, string yaml, HttpStatusCode expected, string? field = null)
    {
        using var response = await deployment.Http.PutAsync($"/workloads/{id}", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        if (field is not null)
        {
            Assert.Equal(field, JsonDocument.Parse(body).RootElement.GetProperty("errors")[0].GetProperty("field").GetString());
        }
        return body;
    }

    [DockerFact]
    public async Task A_berth_container_carries_every_hardening_option()
    {
        // One spec that sets its own user and limits, one that leaves them to Berth's defaults.
        var web = Workloads.NewId("hard-web");
        var bare = Workloads.NewId("hard-bare");
        await PutAsync(berth.Deployment, web, Workloads.WebServer(web, 0, 2), HttpStatusCode.Created);
        await PutAsync(berth.Deployment, bare, $"id: {bare}\nimage: {DockerRequirement.TestImage}\ncommand: [\"sleep\", \"3600\"]\npool: {{ min_size: 0, max_size: 2 }}\n", HttpStatusCode.Created);
        var webClaim = await berth.Api.ClaimOkAsync($"t-{web}", web);
        var bareClaim = await berth.Api.ClaimOkAsync($"t-{bare}", bare);

        foreach (var (containerId, user, readOnly) in new[] { (webClaim.ContainerId!, "1000:1000", true), (bareClaim.ContainerId!, "65534:65534", false) })
        {
            var inspect = await berth.Docker.Containers.InspectContainerAsync(containerId);
            var host = inspect.HostConfig;
            Assert.Equal(["ALL"], host.CapDrop);                                   // --cap-drop ALL
            Assert.True(host.CapAdd is null || host.CapAdd.Count == 0);              // nothing given back
            Assert.Contains("no-new-privileges", host.SecurityOpt);                  // no setuid escalation
            Assert.True(host.PidsLimit > 0);                                         // fork bombs stop
            Assert.True(host.Memory > 0);                                            // memory limit (spec or default)
            Assert.True(host.NanoCPUs > 0);                                          // CPU limit (spec or default)
            Assert.Equal(user, inspect.Config.User);                                 // never root unless the spec says so
            Assert.False(host.Privileged);
            Assert.Equal("berth-tenants-public", host.NetworkMode);                  // the ICC-disabled, firewalled bridge, not host
            Assert.True(string.IsNullOrEmpty(host.PidMode));                         // own PID namespace
            Assert.Equal("private", host.IpcMode);                                   // own IPC namespace
            Assert.True(host.Binds is null || host.Binds.Count == 0);                // no host bind mounts
            Assert.True(host.Devices is null || host.Devices.Count == 0);            // no host devices
            Assert.All(inspect.Mounts, m => Assert.Equal("volume", m.Type));         // only Berth's own volumes
            Assert.Equal(readOnly, host.ReadonlyRootfs);
            Assert.All(inspect.NetworkSettings.Ports.Values.Where(b => b is not null).SelectMany(b => b), b => Assert.Equal("127.0.0.1", b.HostIP));
        }
        var network = await berth.Docker.Networks.InspectNetworkAsync("berth-tenants-public");
        Assert.Equal("false", network.Options["com.docker.network.bridge.enable_icc"]);
        await berth.Api.ReleaseOkAsync($"t-{web}", web);
        await berth.Api.ReleaseOkAsync($"t-{bare}", bare);
    }

    [DockerFact]
    public async Task Two_tenants_containers_cannot_reach_each_other()
    {
        var web = Workloads.NewId("isolated");
        await PutAsync(berth.Deployment, web, Workloads.WebServer(web, 0, 3), HttpStatusCode.Created);
        var a = await berth.Api.ClaimOkAsync($"a-{web}", web);
        var b = await berth.Api.ClaimOkAsync($"b-{web}", web);
        var addressOfA = (await berth.Docker.Containers.InspectContainerAsync(a.ContainerId)).NetworkSettings.Networks["berth-tenants-public"].IPAddress;
        Assert.False(string.IsNullOrEmpty(addressOfA));

        // Control: A's server answers on that address, so a refusal below means isolation, not a dead server.
        // (This busybox's wget -T crashes; busybox timeout bounds the blocked attempt instead.)
        var (selfExit, selfOutput) = await ContainerFiles.ExecAsync(berth.Docker, a.ContainerId!, "busybox", "timeout", "5", "wget", "-q", "-O", "/dev/null", $"http://{addressOfA}:8080/");
        Assert.True(selfExit == 0, $"A cannot reach its own server: {selfOutput}");

        var (exit, output) = await ContainerFiles.ExecAsync(berth.Docker, b.ContainerId!, "busybox", "timeout", "5", "wget", "-q", "-O", "/dev/null", $"http://{addressOfA}:8080/");
        Assert.True(exit != 0, $"tenant B reached tenant A's container: {output}");
        await berth.Api.ReleaseOkAsync($"a-{web}", web);
        await berth.Api.ReleaseOkAsync($"b-{web}", web);
    }

    [DockerTheory]
    [InlineData("privileged: true", "privileged")]
    [InlineData("cap_add: [NET_ADMIN]", "cap_add[0]")]
    [InlineData("network_mode: host", "network_mode")]
    [InlineData("pid: host", "pid")]
    [InlineData("ipc: host", "ipc")]
    [InlineData("devices: [\"/dev/sda:/dev/sda\"]", "devices")]
    [InlineData("volumes: [\"/:/host\"]", "volumes")]
    public async Task A_spec_asking_for_a_forbidden_option_is_refused_naming_the_field(string option, string field)
    {
        var id = Workloads.NewId("forbid");
        var body = await PutAsync(berth.Deployment, id, $"id: {id}\nimage: {DockerRequirement.TestImage}\n{option}\n", HttpStatusCode.BadRequest, field);
        Assert.Contains("forbidden", body);
        using var missing = await berth.Http.GetAsync($"/workloads/{id}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [DockerFact]
    public async Task An_administrators_allow_list_lets_a_named_option_through()
    {
        await using var allowing = new BerthDeployment(DatabaseProvider.Memory, siloEnvironment: new Dictionary<string, string>
        {
            ["Berth__Security__AllowedOptions__0"] = "cap_add:NET_BIND_SERVICE",
        });
        await allowing.StartAsync();
        var id = Workloads.NewId("allowed");
        await PutAsync(allowing, id, $"id: {id}\nimage: {DockerRequirement.TestImage}\ncommand: [\"sleep\", \"3600\"]\ncap_add: [NET_BIND_SERVICE]\npool: {{ min_size: 0, max_size: 1 }}\n", HttpStatusCode.Created);
        var other = Workloads.NewId("still");
        await PutAsync(allowing, other, $"id: {other}\nimage: {DockerRequirement.TestImage}\ncap_add: [SYS_ADMIN]\n", HttpStatusCode.BadRequest, "cap_add[0]");

        var claim = await allowing.Api.ClaimOkAsync($"t-{id}", id);
        var inspect = await allowing.Docker.Containers.InspectContainerAsync(claim.ContainerId);
        Assert.Equal(["NET_BIND_SERVICE"], inspect.HostConfig.CapAdd);
        Assert.Equal(["ALL"], inspect.HostConfig.CapDrop);
        await allowing.Api.ReleaseOkAsync($"t-{id}", id);
    }
}
