using System.Text;
using System.Text.Json;
using Berth.Client;
using static Berth.Tests.Cli.CliRunner;

namespace Berth.Tests.Cli;

/// <summary>
/// The typed client and the CLI on host stacks, operator secrets and workload deletion, against a fake handler: the requests
/// they send, the shapes they read, the problems (with their field) they throw, and the CLI's output and exit codes.
/// </summary>
public sealed class BerthClientStackTests
{
    private const string StackJson = """{"name":"mon","hostId":"local","network":"berth-stack-mon","services":[{"service":"web","containerId":"0123456789abcdef0123","image":"berth-busybox:test","state":"running","health":"healthy","ports":[{"containerPort":8080,"protocol":"tcp","hostIp":"127.0.0.1","hostPort":8081,"address":"127.0.0.1:8081"}]}]}""";

    private static string ApplyJson(bool applied, string webAction = "create", string fields = "") =>
        $$"""{"name":"mon","applied":{{(applied ? "true" : "false")}},"plan":[{"service":"web","action":"{{webAction}}","fields":[{{fields}}]},{"service":"old","action":"remove","fields":[]}],"stack":{{(applied ? StackJson : "null")}}}""";

    private static readonly Dictionary<string, string?> Environment = new()
    {
        ["BERTH_URL"] = "http://127.0.0.1:1", ["BERTH_KEY"] = "bk_test", ["BERTH_CONFIG"] = "/nonexistent/berth.json",
    };

    private static BerthClient ClientOf(FakeHandler handler) =>
        new(new BerthClientOptions { BaseAddress = new Uri("http://127.0.0.1:1"), ApiKey = "bk_test", MaxRetries = 0 }, handler);

    private static HttpResponseMessage Problem(int status, string detail, string field) =>
        FakeHandler.Json(status, $$"""{"title":"T{{status}}","status":{{status}},"detail":"{{detail}}","field":"{{field}}","errors":[{"field":"{{field}}","message":"{{detail}}"}]}""",
            "application/problem+json");

    private static string BodyOf(HttpRequestMessage request) => request.Content!.ReadAsStringAsync().GetAwaiter().GetResult();

    [Fact]
    public async Task A_stack_apply_sends_the_compose_file_and_reads_the_plan_and_the_stack_and_diff_only_asks_for_the_plan()
    {
        var seen = new List<(string Path, string? ContentType, string Body)>();
        var handler = new FakeHandler((request, _) =>
        {
            seen.Add((request.RequestUri!.PathAndQuery, request.Content?.Headers.ContentType?.MediaType, BodyOf(request)));
            return FakeHandler.Json(200, ApplyJson(applied: !request.RequestUri.Query.Contains("diff=true"), "update", "\"environment.MARKER\",\"secret:db\""));
        });
        using var client = ClientOf(handler);
        const string compose = "services:\n  web:\n    image: berth-busybox:test\n";

        var plan = await client.ApplyHostStackAsync("local", "mon", compose, diffOnly: true);
        Assert.False(plan.Applied);
        Assert.Null(plan.Stack);
        Assert.Equal(["web", "old"], plan.Plan.Select(c => c.Service));
        Assert.Equal(["update", "remove"], plan.Plan.Select(c => c.Action));
        Assert.Equal(["environment.MARKER", "secret:db"], plan.Plan[0].Fields);

        var applied = await client.ApplyHostStackAsync("local", "mon", compose);
        Assert.True(applied.Applied);
        var web = Assert.Single(applied.Stack!.Services);
        Assert.Equal(("web", "running", "healthy", 8081), (web.Service, web.State, web.Health, Assert.Single(web.Ports).HostPort));
        Assert.Equal([("/hosts/local/stacks/mon?diff=true", "application/yaml", compose), ("/hosts/local/stacks/mon", "application/yaml", compose)],
            seen.Select(s => (s.Path, s.ContentType, s.Body)));

        // A JSON compose file goes as JSON.
        await client.ApplyHostStackAsync("local", "mon", """{"services":{}}""");
        Assert.Equal("application/json", seen[^1].ContentType);
    }

    [Fact]
    public async Task Stack_list_show_and_remove_read_their_shapes_and_problems_keep_their_field()
    {
        var handler = new FakeHandler((request, _) => (request.Method.Method, request.RequestUri!.AbsolutePath) switch
        {
            ("GET", "/hosts/local/stacks") => FakeHandler.Json(200, $"[{StackJson}]"),
            ("GET", "/hosts/local/stacks/mon") => FakeHandler.Json(200, StackJson),
            ("DELETE", "/hosts/local/stacks/mon") => new HttpResponseMessage(System.Net.HttpStatusCode.NoContent),
            ("PUT", _) => Problem(422, "unknown operator secret 'db'", "services.web.environment.DB"),
            ("DELETE", "/hosts/down/stacks/mon") => Problem(503, "host 'down' is down", "hostId"),
            _ => Problem(404, "host 'local' runs no stack 'gone'", "stack"),
        });
        using var client = ClientOf(handler);
        Assert.Equal("berth-stack-mon", Assert.Single(await client.ListHostStacksAsync("local")).Network);
        Assert.Equal("0123456789abcdef0123", (await client.GetHostStackAsync("local", "mon")).Services[0].ContainerId);
        await client.RemoveHostStackAsync("local", "mon");

        var missing = await Assert.ThrowsAsync<BerthNotFoundException>(() => client.GetHostStackAsync("local", "gone"));
        Assert.Equal("stack", missing.Field);
        var unknownSecret = await Assert.ThrowsAnyAsync<BerthApiException>(() => client.ApplyHostStackAsync("local", "mon", "services: {}"));
        Assert.Equal((422, "services.web.environment.DB"), (unknownSecret.Status, unknownSecret.Field));
        var down = await Assert.ThrowsAsync<BerthUnavailableException>(() => client.RemoveHostStackAsync("down", "mon"));
        Assert.Equal("hostId", down.Field);
    }

    [Fact]
    public async Task Operator_secrets_go_in_byte_for_byte_created_or_replaced_list_by_name_and_a_missing_one_is_not_found()
    {
        var bodies = new List<byte[]>();
        var handler = new FakeHandler((request, call) =>
        {
            if (request.Method == HttpMethod.Put)
            {
                bodies.Add(request.Content!.ReadAsByteArrayAsync().GetAwaiter().GetResult());
                return FakeHandler.Json(call == 1 ? 201 : 200, """{"name":"db-password"}""");
            }
            if (request.Method == HttpMethod.Get) return FakeHandler.Json(200, """{"names":["a","db-password"]}""");
            return request.RequestUri!.AbsolutePath == "/secrets/db-password"
                ? new HttpResponseMessage(System.Net.HttpStatusCode.NoContent)
                : Problem(404, "no operator secret 'nope'", "secretName");
        });
        using var client = ClientOf(handler);
        Assert.True((await client.PutOperatorSecretAsync("db-password", "s3cret\n")).Created);
        Assert.False((await client.PutOperatorSecretAsync("db-password", [0, 1, 255])).Created);
        Assert.Equal([Encoding.UTF8.GetBytes("s3cret\n"), new byte[] { 0, 1, 255 }], bodies);
        Assert.Equal(["a", "db-password"], await client.ListOperatorSecretsAsync());
        await client.DeleteOperatorSecretAsync("db-password");
        var missing = await Assert.ThrowsAsync<BerthNotFoundException>(() => client.DeleteOperatorSecretAsync("nope"));
        Assert.Equal("secretName", missing.Field);
        Assert.Equal(["PUT /secrets/db-password", "PUT /secrets/db-password", "GET /secrets", "DELETE /secrets/db-password", "DELETE /secrets/nope"], handler.Requests);
    }

    [Fact]
    public async Task A_workload_delete_sends_purge_and_force_reads_what_went_and_a_plain_one_answers_no_details()
    {
        var handler = new FakeHandler((request, _) => request.RequestUri!.Query switch
        {
            "" => new HttpResponseMessage(System.Net.HttpStatusCode.NoContent),
            "?purge=true" => Problem(409, "tenants hold containers of 'web'; force=true releases them", "id"),
            _ => FakeHandler.Json(200, """{"workload":"web","purged":true,"purgedSnapshots":3,"pendingTenants":["t9"],"releasedTenants":["alice"]}"""),
        });
        using var client = ClientOf(handler);
        var plain = await client.DeleteWorkloadAsync("web");
        Assert.False(plain.Detailed);
        var forced = await client.DeleteWorkloadAsync("web", purge: true, force: true);
        Assert.True(forced.Detailed);
        Assert.Equal((true, 3), (forced.Purged, forced.PurgedSnapshots));
        Assert.Equal(["t9"], forced.PendingTenants);
        Assert.Equal(["alice"], forced.ReleasedTenants);
        var refused = await Assert.ThrowsAsync<BerthConflictException>(() => client.DeleteWorkloadAsync("web", purge: true, force: false));
        Assert.Equal("id", refused.Field);
        Assert.Equal(["DELETE /workloads/web", "DELETE /workloads/web?purge=true&force=true", "DELETE /workloads/web?purge=true"], handler.Requests);
    }

    [Fact]
    public async Task A_workload_reads_its_source_and_retiring()
    {
        var handler = new FakeHandler((_, _) => FakeHandler.Json(200,
            """{"id":"web","version":"v3","updatedAt":"2026-12-03T16:00:00Z","spec":{"id":"web"},"warnings":[],"source":"file:web.yaml","retiring":true}"""));
        using var client = ClientOf(handler);
        var workload = await client.GetWorkloadAsync("web");
        Assert.Equal(("file:web.yaml", true), (workload.Source, workload.Retiring));
    }

    [Fact]
    public async Task The_cli_shows_the_plan_before_applying_refuses_without_yes_on_a_pipe_and_maps_problems_to_exit_codes()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("berth-stack-").FullName, "mon.yaml");
        await File.WriteAllTextAsync(file, "services:\n  web:\n    image: berth-busybox:test\n");
        var handler = new FakeHandler((request, _) => request.RequestUri!.Query.Contains("diff=true")
            ? FakeHandler.Json(200, ApplyJson(applied: false, "update", "\"environment.MARKER\""))
            : FakeHandler.Json(200, ApplyJson(applied: true, "update", "\"environment.MARKER\"")));

        var refused = await RunAsync(Environment, handler, "hosts", "stacks", "apply", "local", "mon", file);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("--yes", refused.Stderr);
        Assert.Equal(["PUT /hosts/local/stacks/mon?diff=true"], handler.Requests);

        var applied = await RunAsync(Environment, handler, "hosts", "stacks", "apply", "local", "mon", file, "--yes");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Matches(@"web\s*│\s*update\s*│\s*environment\.MARKER", applied.Stdout);
        Assert.Matches(@"old\s*│\s*remove", applied.Stdout);
        Assert.Contains("Applied stack mon on host local: 1 update, 1 remove", applied.Stdout);
        Assert.Contains("0123456789ab", applied.Stdout);
        Assert.Equal("PUT /hosts/local/stacks/mon", handler.Requests[^1]);

        var json = await RunAsync(Environment, handler, "hosts", "stacks", "apply", "local", "mon", file, "--diff", "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.Equal("update", JsonDocument.Parse(json.Stdout).RootElement.GetProperty("plan")[0].GetProperty("action").GetString());
        Assert.Equal("PUT /hosts/local/stacks/mon?diff=true", handler.Requests[^1]);

        foreach (var (status, exit) in new[] { (404, 3), (409, 5), (422, 2), (403, 4) })
        {
            var failing = new FakeHandler((_, _) => Problem(status, "no", "stack"));
            var run = await RunAsync(Environment, failing, "hosts", "stacks", "rm", "local", "mon", "--json");
            Assert.True(run.ExitCode == exit, $"{status}: {run}");
            Assert.Equal("stack", JsonDocument.Parse(run.Stderr).RootElement.GetProperty("error").GetProperty("field").GetString());
        }
    }

    [Fact]
    public async Task The_cli_sets_a_secret_from_stdin_or_a_file_never_prints_a_value_and_prints_what_a_purge_removed()
    {
        var bodies = new List<string>();
        var handler = new FakeHandler((request, _) =>
        {
            if (request.Method == HttpMethod.Put) bodies.Add(BodyOf(request));
            return request.Method.Method switch
            {
                "PUT" => FakeHandler.Json(201, """{"name":"db"}"""),
                "GET" => FakeHandler.Json(200, """{"names":["db"]}"""),
                _ => FakeHandler.Json(200, """{"workload":"web","purged":true,"purgedSnapshots":1,"pendingTenants":[],"releasedTenants":[]}"""),
            };
        });
        var piped = await RunWithStdinAsync(Environment, handler, "from-stdin\n", "secrets", "set", "db");
        Assert.True(piped.ExitCode == 0, piped.ToString());
        var file = Path.Combine(Directory.CreateTempSubdirectory("berth-secret-").FullName, "value");
        await File.WriteAllTextAsync(file, "from-file");
        var fromFile = await RunAsync(Environment, handler, "secrets", "set", "db", "--from-file", file);
        Assert.True(fromFile.ExitCode == 0, fromFile.ToString());
        var both = await RunAsync(Environment, handler, "secrets", "set", "db", "inline", "--from-file", file);
        Assert.True(both.ExitCode == 2, both.ToString());
        Assert.Equal(["from-stdin\n", "from-file"], bodies);
        Assert.All(new[] { piped, fromFile }, run => Assert.DoesNotContain("from-", run.Stdout + run.Stderr));
        var list = await RunAsync(Environment, handler, "secrets", "ls", "--json");
        Assert.Equal("db", JsonDocument.Parse(list.Stdout).RootElement.GetProperty("names")[0].GetString());

        var purge = await RunAsync(Environment, handler, "workloads", "rm", "web", "--purge", "--yes", "--json");
        Assert.True(purge.ExitCode == 0, purge.ToString());
        Assert.Equal(1, JsonDocument.Parse(purge.Stdout).RootElement.GetProperty("purgedSnapshots").GetInt32());
        Assert.Equal("DELETE /workloads/web?purge=true", handler.Requests[^1]);
        var human = await RunAsync(Environment, handler, "workloads", "rm", "web", "--purge", "--force", "--yes");
        Assert.Matches(@"purged snapshots:\s+1\b", human.Stdout);
        Assert.Equal("DELETE /workloads/web?purge=true&force=true", handler.Requests[^1]);
    }
}
