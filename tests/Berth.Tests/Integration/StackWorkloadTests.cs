using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Berth.Contracts;
using Berth.Tests.Support;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Berth.Tests.Integration;

/// <summary>
/// Stack workloads (<c>services:</c>) on the real engine: a web service and the db it depends on,
/// one container each on the member's own network, claimed warm, reached by name, sealed from other
/// tenants' stacks, saved per service, and removed as a unit.
/// </summary>
[Collection(BerthClusterCollection.Name)]
public sealed class StackWorkloadTests(BerthClusterFixture berth)
{
    private sealed record ExecJson(long? ExitCode, string Stdout, string Stderr, bool TimedOut);

    /// <summary>
    /// db serves "db-ok" on 9090 only after a pause, healthchecked; web starts once db is healthy
    /// and fetches db's page by name at its start (the file proves both the order and the name).
    /// </summary>
    public static string Stack(string id, int min = 1) => $$"""
        id: {{id}}
        services:
          web:
            image: {{DockerRequirement.TestImage}}
            user: "1000:1000"
            command: ["sh", "-c", "mkdir -p /tmp/www && echo web-ok > /tmp/www/index.html && (wget -q -O /tmp/www/dep http://db:9090/ || echo unreachable > /tmp/www/dep) && exec httpd -f -p 8080 -h /tmp/www"]
            ports: [8080]
            healthcheck:
              test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
              interval: 1s
              timeout: 1s
              retries: 5
            depends_on:
              db:
                condition: service_healthy
          db:
            image: {{DockerRequirement.TestImage}}
            user: "1000:1000"
            command: ["sh", "-c", "sleep 2; mkdir -p /tmp/www && echo db-ok > /tmp/www/index.html && exec httpd -f -p 9090 -h /tmp/www"]
            ports: [9090]
            volumes:
              state:
                target: /var/db
              secrets:
                target: /run/secrets
            healthcheck:
              test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9090/"]
              interval: 1s
              timeout: 1s
              retries: 10
        pool:
          min_size: {{min}}
          max_size: 4
        """;

    private async Task<ExecJson> ExecAsync(string tenant, string? service, params string[] command)
    {
        using var response = await berth.Http.PostAsJsonAsync($"/tenants/{tenant}/exec", new { command, service });
        return await BerthApi.ReadOkAsync<ExecJson>(response);
    }

    private async Task<bool> ExistsAsync(string containerId)
    {
        try
        {
            await berth.Docker.Containers.InspectContainerAsync(containerId);
            return true;
        }
        catch (DockerContainerNotFoundException)
        {
            return false;
        }
    }

    [DockerFact]
    public async Task A_stack_is_claimed_warm_its_services_reach_each_other_by_name_and_another_tenants_stack_cannot()
    {
        var workload = Workloads.NewId("stack");
        (await berth.Api.PutWorkloadYamlAsync(workload, Stack(workload, min: 2))).EnsureSuccessStatusCode();
        await berth.Api.WaitForIdleAsync(workload, 2);

        var claim = await berth.Api.ClaimOkAsync($"a-{workload}", workload);
        Assert.Equal(ClaimSource.Warm, claim.Source);
        Assert.NotNull(claim.Services);
        Assert.Equal(["web", "db"], claim.Services!.Select(s => s.Service));
        Assert.Equal(claim.ContainerId, claim.Services[0].ContainerId);
        Assert.NotEqual(claim.Services[0].ContainerId, claim.Services[1].ContainerId);
        Assert.Equal([8080, 9090], claim.Endpoints.Select(e => e.ContainerPort).Order());
        // Two containers in Docker for this member, under its label, each with its service's name.
        var containers = await berth.ListContainersAsync(workload);
        var member = containers.Where(c => c.Labels["berth.member"] == claim.MemberId).ToList();
        Assert.Equal(["db", "web"], member.Select(c => c.Labels["berth.service"]).Order());

        // web started only once db answered (health gating), and found it by name.
        Assert.Equal("db-ok\n", (await ExecAsync(claim.TenantId, "web", "cat", "/tmp/www/dep")).Stdout);
        Assert.Equal("db-ok\n", (await ExecAsync(claim.TenantId, "db", "cat", "/tmp/www/index.html")).Stdout);
        Assert.Equal("web-ok\n", (await ExecAsync(claim.TenantId, null, "cat", "/tmp/www/index.html")).Stdout);
        // The proxy reaches each service by its port.
        Assert.Equal("db-ok\n", await berth.Http.GetStringAsync($"/tenants/{claim.TenantId}/ports/9090/"));
        Assert.Equal("web-ok\n", await berth.Http.GetStringAsync($"/tenants/{claim.TenantId}/ports/8080/"));

        // Another tenant's stack: its own db by name, never the first tenant's db by address.
        var other = await berth.Api.ClaimOkAsync($"b-{workload}", workload);
        Assert.NotEqual(claim.MemberId, other.MemberId);
        // Docker writes the container's own address into its /etc/hosts.
        var hosts = (await ExecAsync(claim.TenantId, "db", "cat", "/etc/hosts")).Stdout;
        var address = hosts.Split('\n').Select(l => l.Split('\t', ' ')[0]).First(a => IPAddress.TryParse(a, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !a.StartsWith("127.", StringComparison.Ordinal));
        var probe = $"echo | nc -w 2 {address} 9090 >/dev/null 2>&1 && echo reached || echo refused";
        Assert.Equal("reached\n", (await ExecAsync(claim.TenantId, "web", "sh", "-c", probe)).Stdout);
        Assert.Equal("refused\n", (await ExecAsync(other.TenantId, "web", "sh", "-c", probe)).Stdout);
        Assert.Equal("db-ok\n", (await ExecAsync(other.TenantId, "web", "cat", "/tmp/www/dep")).Stdout);

        // A service the stack does not have, or a service on a one-container workload: 400 naming the field.
        using var unknown = await berth.Http.PostAsJsonAsync($"/tenants/{claim.TenantId}/exec", new { command = new[] { "true" }, service = "cache" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("\"service\"", await unknown.Content.ReadAsStringAsync());
    }

    [DockerFact]
    public async Task Releasing_a_stack_saves_each_service_and_removes_every_container_and_its_network()
    {
        var workload = Workloads.NewId("stackrel");
        (await berth.Api.PutWorkloadYamlAsync(workload, Stack(workload))).EnsureSuccessStatusCode();
        var tenant = $"t-{workload}";
        (await berth.Http.PutAsync($"/tenants/{tenant}/secrets/token", new StringContent("s3cret"))).EnsureSuccessStatusCode();
        var claim = await berth.Api.ClaimOkAsync(tenant, workload);
        // The tenant's secrets reach the service that asks for them.
        Assert.Equal("s3cret", (await ExecAsync(tenant, "db", "cat", "/run/secrets/token")).Stdout);
        Assert.Equal(0, (await ExecAsync(tenant, "db", "sh", "-c", "echo row-1 > /var/db/table")).ExitCode);
        var ids = claim.Services!.Select(s => s.ContainerId).ToList();
        var network = (await berth.Docker.Containers.InspectContainerAsync(ids[0])).NetworkSettings.Networks.Keys.Single();
        Assert.Contains("-stack-", network);
        // A small subnet of Berth's own range, not one of Docker's default pools (about thirty per machine).
        var subnet = System.Net.IPNetwork.Parse((await berth.Docker.Networks.InspectNetworkAsync(network)).IPAM.Config.Single().Subnet);
        Assert.Equal(Berth.Network.StackSubnets.PrefixLength, subnet.PrefixLength);
        Assert.True(System.Net.IPNetwork.Parse(Berth.Network.StackSubnets.DefaultRange).Contains(subnet.BaseAddress), $"{subnet} is outside the stack range");

        await berth.Api.ReleaseOkAsync(tenant, workload);
        foreach (var id in ids) Assert.False(await ExistsAsync(id), $"container {id} of the released stack is still there");
        await Eventually.Until(async () => (await berth.Docker.Networks.ListNetworksAsync()).Any(n => n.Name == network), present => !present,
            "the released stack's network to be removed");

        // The next claim restores db's state into a fresh db container.
        var again = await berth.Api.ClaimOkAsync(tenant, workload);
        Assert.DoesNotContain(again.Services![1].ContainerId, ids);
        Assert.NotNull(again.RestoredFrom?.SnapshotId);
        Assert.Equal("row-1\n", (await ExecAsync(tenant, "db", "cat", "/var/db/table")).Stdout);
        await berth.Api.ReleaseOkAsync(tenant, workload);
    }

    private async Task<TenantClaimView> MoveAsync(string tenant, string workload, string move)
    {
        using var response = await berth.Http.PostAsJsonAsync($"/tenants/{tenant}/{move}", new { workload });
        return await BerthApi.ReadOkAsync<TenantClaimView>(response);
    }

    private async Task<string[]> StatesAsync(IEnumerable<string> containerIds) =>
        await Task.WhenAll(containerIds.Select(async id => (await berth.Docker.Containers.InspectContainerAsync(id)).State.Status));

    [DockerFact]
    public async Task Pause_stop_and_start_move_every_service_and_start_waits_for_health_in_order()
    {
        var workload = Workloads.NewId("stackmove");
        (await berth.Api.PutWorkloadYamlAsync(workload, Stack(workload))).EnsureSuccessStatusCode();
        var tenant = $"t-{workload}";
        var claim = await berth.Api.ClaimOkAsync(tenant, workload);
        var ids = claim.Services!.Select(s => s.ContainerId).ToList();
        Assert.Equal(0, (await ExecAsync(tenant, "db", "sh", "-c", "echo kept > /var/db/file")).ExitCode);

        await MoveAsync(tenant, workload, "pause");
        Assert.Equal(["paused", "paused"], await StatesAsync(ids));
        await MoveAsync(tenant, workload, "resume");
        Assert.Equal(["running", "running"], await StatesAsync(ids));
        await MoveAsync(tenant, workload, "stop");
        Assert.Equal(["exited", "exited"], await StatesAsync(ids));

        // web asks for db at its start: it finds it only if db was healthy first, as at the create.
        var started = await MoveAsync(tenant, workload, "start");
        Assert.Equal(["running", "running"], await StatesAsync(ids));
        Assert.Equal(ids, started.Services!.Select(s => s.ContainerId));
        Assert.Equal("db-ok\n", (await ExecAsync(tenant, "web", "cat", "/tmp/www/dep")).Stdout);
        Assert.Equal("kept\n", (await ExecAsync(tenant, "db", "cat", "/var/db/file")).Stdout);
        // Published ports are chosen again at a start: the answer carries the new ones, and they serve.
        Assert.Equal("db-ok\n", await berth.Http.GetStringAsync($"/tenants/{tenant}/ports/9090/"));
        await berth.Api.ReleaseOkAsync(tenant, workload);
    }

    [DockerFact]
    public async Task The_cli_reaches_a_service_by_name_and_shows_the_stack()
    {
        var workload = Workloads.NewId("stackcli");
        (await berth.Api.PutWorkloadYamlAsync(workload, Stack(workload))).EnsureSuccessStatusCode();
        var tenant = $"t-{workload}";
        var environment = new Dictionary<string, string?>
        {
            ["BERTH_URL"] = $"http://127.0.0.1:{berth.Deployment.HttpPort}",
            ["BERTH_KEY"] = berth.Deployment.AdminKey,
            ["HOME"] = Path.Combine(Path.GetTempPath(), $"berth-cli-{workload}"),
        };
        var claimed = await Cli.CliRunner.RunAsync(environment, null, "claim", tenant, workload);
        Assert.True(claimed.ExitCode == 0, claimed.ToString());
        Assert.Matches("services:.*web [0-9a-f]{12}, db [0-9a-f]{12}", claimed.Stdout.ReplaceLineEndings(" "));
        var exec = await Cli.CliRunner.RunAsync(environment, null, "exec", "--service", "db", tenant, "--", "cat", "/tmp/www/index.html");
        Assert.True(exec.ExitCode == 0, exec.ToString());
        Assert.Equal("db-ok\n", exec.Stdout);
        var logs = await Cli.CliRunner.RunAsync(environment, null, "logs", "--service", "web", tenant);
        Assert.True(logs.ExitCode == 0, logs.ToString());
        await berth.Api.ReleaseOkAsync(tenant, workload);
    }

    [DockerFact]
    public async Task Bad_stacks_are_400s_naming_the_field()
    {
        var workload = Workloads.NewId("stackbad");
        async Task<string> RefusedAsync(string yaml)
        {
            using var response = await berth.Api.PutWorkloadYamlAsync(workload, yaml);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return await response.Content.ReadAsStringAsync();
        }
        var cycle = Stack(workload).Replace("    ports: [9090]", "    ports: [9090]\n    depends_on: [web]");
        Assert.Contains("cycle", await RefusedAsync(cycle));
        Assert.Contains("services.web.depends_on.cache", await RefusedAsync(Stack(workload).Replace("      db:\n        condition", "      cache:\n        condition")));
        Assert.Contains("services.db.ports[0]", await RefusedAsync(Stack(workload).Replace("ports: [9090]", "ports: [8080]")));
        using var none = await berth.Http.GetAsync($"/workloads/{workload}");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
    }
}
