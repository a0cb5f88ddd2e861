using System.Net;
using System.Text;
using System.Text.Json;
using Berth.Contracts;
using Berth.Tests.Support;
using Docker.DotNet.Models;

namespace Berth.Tests.Integration;

/// <summary>
/// Host stacks on the real engine over HTTP: an operator's compose file applied to host "local",
/// diffed, updated and removed, with an operator secret that reaches the container and no answer.
/// </summary>
[Collection(BerthClusterCollection.Name)]
public sealed class HostStackTests(BerthClusterFixture berth)
{
    private const string Host = "local";

    /// <summary>web serves on a fixed loopback port; probe fetches web by name once web is healthy; worker only sleeps.</summary>
    private static string Compose(string secret, int port, string marker, bool worker) => $$"""
        version: "3.8"
        services:
          web:
            image: {{DockerRequirement.TestImage}}
            command: ["sh", "-c", "mkdir -p /www && echo web-ok > /www/index.html && exec httpd -f -p 8080 -h /www"]
            environment:
              API_TOKEN: ${secret:{{secret}}}
              MARKER: {{marker}}
            ports: ["127.0.0.1:{{port}}:8080", "127.0.0.1::8080"]
            restart: unless-stopped
            labels: {team: ops}
            healthcheck:
              test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
              interval: 1s
              timeout: 1s
              retries: 10
          probe:
            image: {{DockerRequirement.TestImage}}
            command: ["sh", "-c", "while true; do wget -q -O /tmp/web http://web:8080/ 2>/dev/null; sleep 1; done"]
            depends_on:
              web: {condition: service_healthy}
        """ + (worker ? $"""

          worker:
            image: {DockerRequirement.TestImage}
            command: ["sleep", "100000"]
        """ : "");

    private readonly List<string> _bodies = [];

    private async Task<string> SendAsync(HttpMethod method, string path, string? body, HttpStatusCode expected, string contentType = "application/yaml")
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        using var response = await berth.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        _bodies.Add(text);
        Assert.True(expected == response.StatusCode, $"{method} {path}: expected {expected}, got {response.StatusCode}: {text}");
        return text;
    }

    /// <summary>An apply's plan by service: its action and changed fields (also read by the CLI's live test).</summary>
    internal static Dictionary<string, (string Action, string[] Fields)> Plan(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("plan").EnumerateArray().ToDictionary(
            c => c.GetProperty("service").GetString()!,
            c => (c.GetProperty("action").GetString()!, c.GetProperty("fields").EnumerateArray().Select(f => f.GetString()!).ToArray()));
    }

    private async Task<Dictionary<string, ContainerListResponse>> StackContainersAsync(string stack) =>
        (await berth.Docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"berth.stack={stack}"] = true, [$"berth.cluster={berth.ClusterId}"] = true } },
        })).ToDictionary(c => c.Labels["berth.stack.service"]);

    private async Task<string> EnvAsync(string containerId, string name) =>
        (await ContainerFiles.ExecAsync(berth.Docker, containerId, "sh", "-c", $"printf %s \"${name}\"")).Output;

    private async Task<DateTimeOffset?> LastSweepAsync()
    {
        using var doc = JsonDocument.Parse(await berth.Http.GetStringAsync($"/hosts/{Host}"));
        return doc.RootElement.TryGetProperty("engine", out var engine) && engine.ValueKind == JsonValueKind.Object
            && engine.GetProperty("lastSweep").ValueKind == JsonValueKind.String ? engine.GetProperty("lastSweep").GetDateTimeOffset() : null;
    }

    [DockerFact]
    public async Task A_host_stack_is_applied_diffed_updated_survives_sweeps_and_is_removed()
    {
        var stack = Workloads.NewId("hs");
        var secret = $"token-{stack}";
        var value = $"v1-{Guid.NewGuid():N}";
        var port = FreePort.Next();
        var path = $"/hosts/{Host}/stacks/{stack}";

        // An operator secret: stored, listed by name, never returned.
        await SendAsync(HttpMethod.Put, $"/secrets/{secret}", value, HttpStatusCode.Created, "text/plain");
        Assert.Contains(secret, await SendAsync(HttpMethod.Get, "/secrets", null, HttpStatusCode.OK));

        // Errors first: a bad field is a 400 naming it, an unknown secret a 422 naming where it is used, an unknown host a 404.
        var bad = await SendAsync(HttpMethod.Put, path, Compose(secret, port, "a", worker: true).Replace("\"127.0.0.1::8080\"", "\"127.0.0.1:x:8080\""), HttpStatusCode.BadRequest);
        Assert.Contains("services.web.ports[1]", bad);
        var missing = await SendAsync(HttpMethod.Put, path, Compose("no-such-secret", port, "a", worker: true), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("services.web.environment.API_TOKEN", missing);
        await SendAsync(HttpMethod.Put, $"/hosts/no-such-host/stacks/{stack}", Compose(secret, port, "a", worker: true), HttpStatusCode.NotFound);
        await SendAsync(HttpMethod.Get, path, null, HttpStatusCode.NotFound);

        // The diff of a new stack: everything to create, nothing done.
        var diff = Plan(await SendAsync(HttpMethod.Put, path + "?diff=true", Compose(secret, port, "a", worker: true), HttpStatusCode.OK));
        Assert.Equal(["probe", "web", "worker"], diff.Keys.Order());
        Assert.All(diff.Values, c => Assert.Equal("create", c.Action));
        Assert.Empty(await StackContainersAsync(stack));

        // Apply: one container per service, labelled as a stack (no member, no workload), the secret inside.
        var applied = await SendAsync(HttpMethod.Put, path, Compose(secret, port, "a", worker: true), HttpStatusCode.OK);
        Assert.All(Plan(applied).Values, c => Assert.Equal("create", c.Action));
        var first = await StackContainersAsync(stack);
        Assert.Equal(["probe", "web", "worker"], first.Keys.Order());
        foreach (var (service, container) in first)
        {
            Assert.Equal($"/berth-stack-{stack}-{service}", container.Names.Single());
            Assert.Equal(("true", Host, stack), (container.Labels["berth.managed"], container.Labels["berth.host"], container.Labels["berth.stack"]));
            Assert.Matches("^[0-9a-f]{32}$", container.Labels["berth.stack.hash"]);
            Assert.False(container.Labels.ContainsKey("berth.member"));
            Assert.False(container.Labels.ContainsKey("berth.workload"));
            Assert.DoesNotContain(value, string.Join(" ", container.Labels.Values));
        }
        Assert.Equal("ops", first["web"].Labels["team"]);
        Assert.Equal(value, await EnvAsync(first["web"].ID, "API_TOKEN"));
        Assert.Equal("web-ok\n", await new HttpClient().GetStringAsync($"http://127.0.0.1:{port}/"));
        // Services reach each other by name on the stack's own network, on a small subnet of Berth's range.
        await Eventually.Until(async () => (await ContainerFiles.ExecAsync(berth.Docker, first["probe"].ID, "cat", "/tmp/web")).Output,
            o => o == "web-ok\n", "probe to fetch web by its service name");
        var network = await berth.Docker.Networks.InspectNetworkAsync($"berth-stack-{stack}");
        Assert.Equal(Berth.Network.StackSubnets.PrefixLength, System.Net.IPNetwork.Parse(network.IPAM.Config.Single().Subnet).PrefixLength);

        // The stack as the API shows it: every service, its container, state and ports.
        using (var view = JsonDocument.Parse(await SendAsync(HttpMethod.Get, path, null, HttpStatusCode.OK)))
        {
            var web = view.RootElement.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("service").GetString() == "web");
            Assert.Equal(first["web"].ID, web.GetProperty("containerId").GetString());
            Assert.Equal("running", web.GetProperty("state").GetString());
            Assert.Contains(web.GetProperty("ports").EnumerateArray(), p => p.GetProperty("hostPort").GetInt32() == port);
        }
        Assert.Contains(stack, await SendAsync(HttpMethod.Get, $"/hosts/{Host}/stacks", null, HttpStatusCode.OK));

        // The same file again changes nothing.
        Assert.All(Plan(await SendAsync(HttpMethod.Put, path, Compose(secret, port, "a", worker: true), HttpStatusCode.OK)).Values, c => Assert.Equal("unchanged", c.Action));
        Assert.Equal(first.ToDictionary(c => c.Key, c => c.Value.ID), (await StackContainersAsync(stack)).ToDictionary(c => c.Key, c => c.Value.ID));

        // One service edited: the diff names exactly it and the field; the apply recreates only it.
        diff = Plan(await SendAsync(HttpMethod.Put, path + "?diff=true", Compose(secret, port, "b", worker: true), HttpStatusCode.OK));
        Assert.Equal("update", diff["web"].Action);
        Assert.Equal(["environment.MARKER"], diff["web"].Fields);
        Assert.Equal(("unchanged", "unchanged"), (diff["probe"].Action, diff["worker"].Action));
        // The same plan through the form, GET …?diff=true with the file as the body; nothing is applied.
        static string[] Summary(Dictionary<string, (string Action, string[] Fields)> plan) =>
            [.. plan.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} {c.Value.Action} {string.Join(',', c.Value.Fields)}")];
        Assert.Equal(Summary(diff), Summary(Plan(await SendAsync(HttpMethod.Get, path + "?diff=true", Compose(secret, port, "b", worker: true), HttpStatusCode.OK))));
        Assert.Equal(first["web"].ID, (await StackContainersAsync(stack))["web"].ID);
        await SendAsync(HttpMethod.Put, path, Compose(secret, port, "b", worker: true), HttpStatusCode.OK);
        var second = await StackContainersAsync(stack);
        Assert.NotEqual(first["web"].ID, second["web"].ID);
        Assert.Equal((first["probe"].ID, first["worker"].ID), (second["probe"].ID, second["worker"].ID));
        Assert.Equal("b", await EnvAsync(second["web"].ID, "MARKER"));

        // A new secret value: the diff names the secret, not its value; the service drops out of the file: removed.
        var newValue = $"v2-{Guid.NewGuid():N}";
        await SendAsync(HttpMethod.Put, $"/secrets/{secret}", newValue, HttpStatusCode.OK, "text/plain");
        var changed = await SendAsync(HttpMethod.Put, path, Compose(secret, port, "b", worker: false), HttpStatusCode.OK);
        Assert.Equal("update", Plan(changed)["web"].Action);
        Assert.Equal([$"secret:{secret}"], Plan(changed)["web"].Fields);
        Assert.Equal("remove", Plan(changed)["worker"].Action);
        var third = await StackContainersAsync(stack);
        Assert.Equal(["probe", "web"], third.Keys.Order());
        Assert.Equal(newValue, await EnvAsync(third["web"].ID, "API_TOKEN"));
        Assert.Equal(first["probe"].ID, third["probe"].ID);

        // Several host sweeps and past the orphan grace period: no pool takes the stack for orphans.
        var since = await LastSweepAsync();
        var sweeps = 0;
        var started = DateTime.UtcNow;
        while (sweeps < 3 || DateTime.UtcNow - started < TimeSpan.FromSeconds(7))
        {
            await Task.Delay(250);
            if (await LastSweepAsync() is { } sweep && sweep != since) (since, sweeps) = (sweep, sweeps + 1);
            Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(60), "the host did not sweep");
        }
        var swept = await StackContainersAsync(stack);
        Assert.Equal(third.ToDictionary(c => c.Key, c => c.Value.ID), swept.ToDictionary(c => c.Key, c => c.Value.ID));
        Assert.All(swept.Values, c => Assert.Equal("running", c.State));

        // Removal: every container and the network go; a second removal finds nothing.
        await SendAsync(HttpMethod.Delete, path, null, HttpStatusCode.NoContent);
        Assert.Empty(await StackContainersAsync(stack));
        Assert.DoesNotContain(await berth.Docker.Networks.ListNetworksAsync(new NetworksListParameters()), n => n.Name == $"berth-stack-{stack}");
        await SendAsync(HttpMethod.Delete, path, null, HttpStatusCode.NotFound);
        await SendAsync(HttpMethod.Delete, $"/secrets/{secret}", null, HttpStatusCode.NoContent);

        // No answer carried a secret's value.
        Assert.DoesNotContain(_bodies, b => b.Contains(value, StringComparison.Ordinal) || b.Contains(newValue, StringComparison.Ordinal));
    }
}
