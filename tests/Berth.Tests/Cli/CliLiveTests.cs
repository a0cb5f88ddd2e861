using System.Diagnostics;
using System.Text.Json;
using Berth.Tests.Support;
using static Berth.Tests.Cli.CliRunner;

namespace Berth.Tests.Cli;

/// <summary>
/// The real <c>berth</c> CLI against a live gateway on the real engine: in-process through its entry point, and once as the
/// built binary. It shares the "berth on docker" deployment, so it adds no deployment of its own.
/// </summary>
[Collection(BerthClusterCollection.Name)]
public sealed class CliLiveTests(BerthClusterFixture berth) : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("berth-cli-").FullName;

    private string GatewayUrl => $"http://127.0.0.1:{berth.Deployment.HttpPort}";

    private string ConfigPath => Path.Combine(_home, "berth", "config.json");

    /// <summary>The CLI's environment: XDG_CONFIG_HOME in this test's directory, plus <paramref name="extra"/>.</summary>
    private Dictionary<string, string?> Environment(params (string Name, string? Value)[] extra)
    {
        var environment = new Dictionary<string, string?> { ["XDG_CONFIG_HOME"] = _home, ["HOME"] = _home };
        foreach (var (name, value) in extra) environment[name] = value;
        return environment;
    }

    private Task<CliRun> Berth(Dictionary<string, string?> environment, params string[] args) => RunAsync(environment, null, args);

    private static string Spec(string id, int max) => $"""
        id: {id}
        image: {DockerRequirement.TestImage}
        user: "1000:1000"
        command: ["sh", "-c", "echo started; i=0; while [ $i -lt 36000 ]; do sleep 0.1; i=$((i+1)); done"]
        volumes:
          state:
            target: /data
        pool:
          min_size: 1
          max_size: {max}
        """;

    private async Task<CliRun> LoginAsync()
    {
        var run = await Berth(Environment(), "login", GatewayUrl, "--key", berth.Deployment.AdminKey);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }

    [DockerFact]
    public async Task Login_writes_the_config_owner_only_and_the_environment_wins_over_it()
    {
        var run = await LoginAsync();
        Assert.Contains("Logged in", run.Stdout);
        Assert.True(File.Exists(ConfigPath));
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(ConfigPath));
        using (var saved = JsonDocument.Parse(await File.ReadAllTextAsync(ConfigPath)))
        {
            Assert.Equal(GatewayUrl, saved.RootElement.GetProperty("url").GetString());
            Assert.Equal(berth.Deployment.AdminKey, saved.RootElement.GetProperty("key").GetString());
        }

        var whoami = await Berth(Environment(), "whoami", "--json");
        Assert.True(whoami.ExitCode == 0, whoami.ToString());
        Assert.Equal("admin", JsonDocument.Parse(whoami.Stdout).RootElement.GetProperty("role").GetString());

        // A wrong key in the environment wins over the right one in the file...
        var wrongKey = await Berth(Environment(("BERTH_KEY", "bk_wrong_0000000000000000")), "whoami");
        Assert.True(wrongKey.ExitCode == 4, wrongKey.ToString());
        Assert.Contains("401", wrongKey.Stderr);
        // ...and a viewer key in the environment is who the gateway sees.
        var viewerKey = await berth.Api.CreateKeyAsync("viewer", name: "cli-viewer");
        var viewer = await Berth(Environment(("BERTH_KEY", viewerKey)), "whoami", "--json");
        Assert.True(viewer.ExitCode == 0, viewer.ToString());
        Assert.Equal("viewer", JsonDocument.Parse(viewer.Stdout).RootElement.GetProperty("role").GetString());
        // BERTH_URL wins too: nothing listens on a port just taken and let go.
        var elsewhere = await Berth(Environment(("BERTH_URL", $"http://127.0.0.1:{FreePort.Next()}")), "pools");
        Assert.True(elsewhere.ExitCode == 6, elsewhere.ToString());
        Assert.Contains("cannot reach the gateway", elsewhere.Stderr);
        // BERTH_CONFIG points at another file: none there, no gateway.
        var noConfig = await Berth(Environment(("BERTH_CONFIG", Path.Combine(_home, "other.json"))), "pools");
        Assert.True(noConfig.ExitCode == 2, noConfig.ToString());
        Assert.Contains("berth login", noConfig.Stderr);
    }

    [DockerFact]
    public async Task Apply_pools_claim_status_exec_cp_and_release_a_tenant_through_the_cli()
    {
        await LoginAsync();
        var env = Environment();
        var id = Integration.Workloads.NewId("cli");
        var file = Path.Combine(_home, $"{id}.yaml");
        await File.WriteAllTextAsync(file, Spec(id, max: 2));

        // Without --yes and with stdin not a terminal, nothing is asked and nothing changes.
        var refused = await Berth(env, "workloads", "apply", file);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("--yes", refused.Stderr);
        Assert.Equal(3, (await Berth(env, "workloads", "get", id)).ExitCode);

        var applied = await Berth(env, "workloads", "apply", file, "--yes");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Contains($"+id: {id}", applied.Stdout);
        Assert.Contains($"Registered workload {id}", applied.Stdout);

        // An update shows the changed line against the registered spec.
        await File.WriteAllTextAsync(file, Spec(id, max: 3));
        var updated = await Berth(env, "workloads", "apply", file, "--yes");
        Assert.True(updated.ExitCode == 0, updated.ToString());
        Assert.Contains("-  max_size: 2", updated.Stdout);
        Assert.Contains("+  max_size: 3", updated.Stdout);
        Assert.Contains($"Updated workload {id}", updated.Stdout);

        var pools = await Berth(env, "pools", "--json");
        Assert.True(pools.ExitCode == 0, pools.ToString());
        var pool = JsonDocument.Parse(pools.Stdout).RootElement.EnumerateArray().Single(p => p.GetProperty("workload").GetString() == id);
        Assert.Equal(3, pool.GetProperty("maxSize").GetInt32());
        var table = await Berth(env, "pools");
        Assert.Contains(id, table.Stdout);
        Assert.Contains("WARM TARGET", table.Stdout);

        var tenant = $"t-{id}";
        var claim = await Berth(env, "claim", tenant, id, "--json");
        Assert.True(claim.ExitCode == 0, claim.ToString());
        var containerId = JsonDocument.Parse(claim.Stdout).RootElement.GetProperty("containerId").GetString();
        Assert.False(string.IsNullOrEmpty(containerId));

        var status = await Berth(env, "status", tenant);
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("claimed", status.Stdout);
        Assert.Contains(containerId![..12], status.Stdout);

        var exec = await Berth(env, "exec", tenant, "--", "sh", "-c", "echo out-$((40+2)); echo err >&2; exit 7");
        Assert.True(exec.ExitCode == 7, exec.ToString());
        Assert.Contains("out-42", exec.Stdout);
        Assert.Contains("err", exec.Stderr);

        // exec -i: stdin over the interactive WebSocket, the exit code from its exit frame.
        var interactive = await RunWithStdinAsync(env, null, "echo in-$((6*7))\nexit 5\n", "exec", "-i", tenant, "--", "sh");
        Assert.True(interactive.ExitCode == 5, interactive.ToString());
        Assert.Contains("in-42", interactive.Stdout);

        var local = Path.Combine(_home, "notes.txt");
        await File.WriteAllTextAsync(local, "written by berth cp\n");
        var up = await Berth(env, "cp", local, $"{tenant}:/data/notes.txt");
        Assert.True(up.ExitCode == 0, up.ToString());
        var cat = await Berth(env, "exec", tenant, "--json", "--", "cat", "/data/notes.txt");
        Assert.True(cat.ExitCode == 0, cat.ToString());
        Assert.Equal("written by berth cp\n", JsonDocument.Parse(cat.Stdout).RootElement.GetProperty("stdout").GetString());
        var back = Path.Combine(_home, "back.txt");
        var down = await Berth(env, "cp", $"{tenant}:/data/notes.txt", back);
        Assert.True(down.ExitCode == 0, down.ToString());
        Assert.Equal("written by berth cp\n", await File.ReadAllTextAsync(back));

        var release = await Berth(env, "release", tenant, "--json");
        Assert.True(release.ExitCode == 0, release.ToString());
        Assert.Equal("released", JsonDocument.Parse(release.Stdout).RootElement.GetProperty("state").GetString());

        var delete = await Berth(env, "workloads", "delete", id, "--yes");
        Assert.True(delete.ExitCode == 0, delete.ToString());
    }

    [DockerFact]
    public async Task Operations_started_from_the_cli_are_watched_to_the_end_listed_and_a_finished_one_refuses_cancel()
    {
        await LoginAsync();
        var env = Environment();
        var id = Integration.Workloads.NewId("cliop");
        (await berth.Api.PutWorkloadYamlAsync(id, Spec(id, max: 3))).EnsureSuccessStatusCode();
        string[] tenants = [$"a-{id}", $"b-{id}"];

        var provision = await Berth(env, ["workloads", "provision", id, .. tenants, "--watch"]);
        Assert.True(provision.ExitCode == 0, provision.ToString());
        Assert.Contains($"provision {id}: succeeded 2/2", provision.Stdout);
        foreach (var tenant in tenants)
        {
            Assert.Equal(Contracts.TenantClaimState.Claimed, (await berth.Api.StatusAsync(tenant)).Claims.Single().State);
        }

        var list = await Berth(env, "operations", "list", "--kind", "provision", "--target", id, "--json");
        Assert.True(list.ExitCode == 0, list.ToString());
        var listed = JsonDocument.Parse(list.Stdout).RootElement.EnumerateArray().Single();
        var operationId = listed.GetProperty("id").GetString()!;
        Assert.Equal("succeeded", listed.GetProperty("state").GetString());
        Assert.Equal(2, listed.GetProperty("done").GetInt32());
        Assert.Equal(2, listed.GetProperty("total").GetInt32());

        // Watching a finished operation shows its end at once; cancelling it is a conflict (exit 5).
        var watched = await Berth(env, "operations", "watch", operationId);
        Assert.True(watched.ExitCode == 0, watched.ToString());
        Assert.Contains("succeeded 2/2", watched.Stdout);
        var cancel = await Berth(env, "operations", "cancel", operationId);
        Assert.True(cancel.ExitCode == 5, cancel.ToString());

        // A resize started without --watch names its operation; watching it follows it to the end.
        var resize = await Berth(env, "pools", "resize", id, "--min", "2", "--max", "4", "--json");
        Assert.True(resize.ExitCode == 0, resize.ToString());
        var resizeId = JsonDocument.Parse(resize.Stdout).RootElement.GetProperty("id").GetString()!;
        Assert.NotEqual(operationId, resizeId);
        var resized = await Berth(env, "operations", "watch", resizeId, "--json");
        Assert.True(resized.ExitCode == 0, resized.ToString());
        var last = JsonDocument.Parse(resized.Stdout.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal("succeeded", last.GetProperty("state").GetString());
        Assert.Equal("resize", last.GetProperty("kind").GetString());
        var pool = await Berth(env, "pools", id, "--json");
        Assert.Equal(2, JsonDocument.Parse(pool.Stdout).RootElement.GetProperty("minSize").GetInt32());

        foreach (var tenant in tenants) await berth.Api.ReleaseOkAsync(tenant, id);
        Assert.Equal(0, (await Berth(env, "workloads", "delete", id, "--yes")).ExitCode);
    }

    [DockerFact]
    public async Task Hosts_keys_audit_sync_logs_and_events_answer_through_the_cli_and_follow_streams_until_stopped()
    {
        await LoginAsync();
        var env = Environment();
        var id = Integration.Workloads.NewId("clistream");
        (await berth.Api.PutWorkloadYamlAsync(id, Spec(id, max: 2) + "\nsync:\n  sink: filesystem\n  policy:\n    manual: true\n")).EnsureSuccessStatusCode();
        var tenant = $"t-{id}";

        // events -f and logs -f are streams: the built binary follows them until the test stops it.
        // --since 0: the tenant is new, so the stream replays its events from the first; without it the
        // stream starts when the process connects, which under load can be after the claim's event.
        await using var events = StartBinary("events", "-f", "--json", "--tenant", tenant, "--since", "0");
        Assert.Equal(0, (await Berth(env, "claim", tenant, id)).ExitCode);
        var claimed = await events.LineAsync(line => line.Contains("\"claimed\""), "berth events -f to print the claim");
        Assert.Equal(tenant, JsonDocument.Parse(claimed).RootElement.GetProperty("tenantId").GetString());
        await using (var logs = StartBinary("logs", tenant, "-f"))
        {
            Assert.Equal("started", (await logs.LineAsync(line => line.Contains("started"), "berth logs -f to print the container's output")).Trim());
        }

        var sync = await Berth(env, "sync", tenant, "--json");
        Assert.True(sync.ExitCode == 0, sync.ToString());
        var logsNow = await Berth(env, "logs", tenant);
        Assert.True(logsNow.ExitCode == 0, logsNow.ToString());
        Assert.Contains("started", logsNow.Stdout);

        var hosts = await Berth(env, "hosts", "list", "--json");
        Assert.True(hosts.ExitCode == 0, hosts.ToString());
        Assert.Contains(JsonDocument.Parse(hosts.Stdout).RootElement.EnumerateArray(), h => h.GetProperty("id").GetString() == "local");
        var created = await Berth(env, "keys", "create", $"cli-{id}", "--role", "viewer", "--json");
        Assert.True(created.ExitCode == 0, created.ToString());
        var keys = await Berth(env, "keys", "list", "--json");
        Assert.Contains(JsonDocument.Parse(keys.Stdout).RootElement.EnumerateArray(), k => k.GetProperty("name").GetString() == $"cli-{id}");
        // The trail is written in the background: the claim shows up shortly after it was answered.
        var audit = await Eventually.Until(() => Berth(env, "audit", "query", "--resource", $"tenant:{tenant}", "--json"),
            run => run.ExitCode != 0 || run.Stdout.Contains("POST /tenants/{tenantId}/claim"), "the claim in the audit trail through the cli");
        Assert.True(audit.ExitCode == 0, audit.ToString());
        Assert.All(JsonDocument.Parse(audit.Stdout).RootElement.EnumerateArray(), e => Assert.Equal($"tenant:{tenant}", e.GetProperty("resource").GetString()));
        var verify = await Berth(env, "audit", "verify");
        Assert.True(verify.ExitCode == 0, verify.ToString());

        Assert.Equal(0, (await Berth(env, "release", tenant)).ExitCode);
        await events.LineAsync(line => line.Contains("\"released\""), "berth events -f to print the release");
        Assert.Equal(0, (await Berth(env, "workloads", "delete", id, "--yes")).ExitCode);
    }

    /// <summary>A stack of two services on the test image: web serves (its MARKER is what an edit changes, its token an operator secret), worker sleeps.</summary>
    private static string StackCompose(string secret, string marker) => $$"""
        services:
          web:
            image: {{DockerRequirement.TestImage}}
            command: ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www"]
            environment:
              TOKEN: ${secret:{{secret}}}
              MARKER: {{marker}}
            ports: ["127.0.0.1::8080"]
          worker:
            image: {{DockerRequirement.TestImage}}
            command: ["sleep", "3600"]
        """;

    private static Dictionary<string, (string Action, string[] Fields)> PlanOf(CliRun run) => Integration.HostStackTests.Plan(run.Stdout);

    [DockerFact]
    public async Task A_host_stack_is_planned_applied_shown_updated_and_removed_with_an_operator_secret_through_the_cli()
    {
        await LoginAsync();
        var env = Environment();
        var stack = Integration.Workloads.NewId("clistack");
        var secret = $"tok-{stack}";
        var value = $"value-{Guid.NewGuid():N}";
        var file = Path.Combine(_home, "stack.yaml");
        var runs = new List<CliRun>();
        async Task<CliRun> Run(params string[] args)
        {
            var run = await Berth(env, args);
            runs.Add(run);
            return run;
        }

        // The secret from stdin; listed by name only.
        var set = await RunWithStdinAsync(env, null, value, "secrets", "set", secret);
        runs.Add(set);
        Assert.True(set.ExitCode == 0, set.ToString());
        Assert.Contains($"Stored secret {secret}", set.Stdout);
        var names = await Run("secrets", "ls", "--json");
        Assert.Contains(secret, JsonDocument.Parse(names.Stdout).RootElement.GetProperty("names").EnumerateArray().Select(n => n.GetString()));

        // The plan of a new stack: every service created, nothing done yet.
        await File.WriteAllTextAsync(file, StackCompose(secret, "a"));
        var diff = await Run("hosts", "stacks", "apply", "local", stack, file, "--diff", "--json");
        Assert.True(diff.ExitCode == 0, diff.ToString());
        Assert.Equal([("worker", "create"), ("web", "create")], PlanOf(diff).Select(p => (p.Key, p.Value.Action)).OrderByDescending(p => p.Key));
        Assert.Equal(3, (await Run("hosts", "stacks", "show", "local", stack)).ExitCode);
        var table = await Run("hosts", "stacks", "apply", "local", stack, file, "--diff");
        Assert.Matches(@"web\s*│\s*create", table.Stdout);

        var applied = await Run("hosts", "stacks", "apply", "local", stack, file, "--yes");
        Assert.True(applied.ExitCode == 0, applied.ToString());
        Assert.Contains($"Applied stack {stack} on host local: 2 create", applied.Stdout);

        // Listed and shown: both services running, web's port published on loopback.
        var listed = await Eventually.Until(() => Run("hosts", "stacks", "list", "local", "--json"),
            run => run.ExitCode != 0 || JsonDocument.Parse(run.Stdout).RootElement.EnumerateArray().Any(s => s.GetProperty("name").GetString() == stack
                && s.GetProperty("services").EnumerateArray().All(v => v.GetProperty("state").GetString() == "running")), "the stack's services running in the list");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        var shown = await Run("hosts", "stacks", "show", "local", stack, "--json");
        Assert.True(shown.ExitCode == 0, shown.ToString());
        var services = JsonDocument.Parse(shown.Stdout).RootElement.GetProperty("services").EnumerateArray().ToDictionary(s => s.GetProperty("service").GetString()!);
        Assert.Equal(["web", "worker"], services.Keys.Order());
        Assert.Equal(8080, services["web"].GetProperty("ports").EnumerateArray().Single().GetProperty("containerPort").GetInt32());
        var human = await Run("hosts", "stacks", "show", "local", stack);
        Assert.Matches(@"web\s*│\s*running", human.Stdout);
        Assert.Contains($"berth-stack-{stack}", human.Stdout);

        // One service edited: exactly it is updated, with the field that changed.
        await File.WriteAllTextAsync(file, StackCompose(secret, "b"));
        var updated = await Run("hosts", "stacks", "apply", "local", stack, file, "--yes", "--json");
        Assert.True(updated.ExitCode == 0, updated.ToString());
        var plan = PlanOf(updated);
        Assert.Equal("update", plan["web"].Action);
        Assert.Equal(["environment.MARKER"], plan["web"].Fields);
        Assert.Equal("unchanged", plan["worker"].Action);
        var webId = JsonDocument.Parse(updated.Stdout).RootElement.GetProperty("stack").GetProperty("services").EnumerateArray()
            .Single(s => s.GetProperty("service").GetString() == "web").GetProperty("containerId").GetString();
        Assert.NotEqual(services["web"].GetProperty("containerId").GetString(), webId);

        // Removed: shown no more (exit 3), a second removal is a 404 too; the secret goes the same way.
        var removed = await Run("hosts", "stacks", "rm", "local", stack);
        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.Equal(3, (await Run("hosts", "stacks", "show", "local", stack)).ExitCode);
        Assert.Equal(3, (await Run("hosts", "stacks", "rm", "local", stack)).ExitCode);
        Assert.Empty(await berth.Docker.Containers.ListContainersAsync(new Docker.DotNet.Models.ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"berth.stack={stack}"] = true } },
        }));
        Assert.Equal(0, (await Run("secrets", "rm", secret)).ExitCode);
        Assert.Equal(3, (await Run("secrets", "rm", secret)).ExitCode);

        // The value was never printed.
        Assert.DoesNotContain(runs, run => run.Stdout.Contains(value, StringComparison.Ordinal) || run.Stderr.Contains(value, StringComparison.Ordinal));
    }

    [DockerFact]
    public async Task Workloads_rm_purge_is_refused_while_a_tenant_holds_a_container_and_forced_prints_the_snapshot_it_deleted()
    {
        await LoginAsync();
        var env = Environment();
        var id = Integration.Workloads.NewId("clipurge");
        (await berth.Api.PutWorkloadYamlAsync(id, Integration.StateSyncTests.StatefulWorkload(id, "filesystem"))).EnsureSuccessStatusCode();
        var tenant = $"t-{id}";
        var claim = await berth.Api.ClaimOkAsync(tenant, id);
        await ContainerFiles.WriteAsync(berth.Docker, claim.ContainerId!, "/data", new Dictionary<string, byte[]> { ["mine.txt"] = "kept"u8.ToArray() });
        await berth.Api.ReleaseOkAsync(tenant, id);
        await berth.Api.ClaimOkAsync(tenant, id);

        var unasked = await Berth(env, "workloads", "rm", id, "--purge");
        Assert.True(unasked.ExitCode == 2, unasked.ToString());
        var held = await Berth(env, "workloads", "rm", id, "--purge", "--yes");
        Assert.True(held.ExitCode == 5, held.ToString());
        Assert.Contains("force", held.Stderr);

        var forced = await Berth(env, "workloads", "rm", id, "--purge", "--force", "--yes", "--json");
        Assert.True(forced.ExitCode == 0, forced.ToString());
        var deletion = JsonDocument.Parse(forced.Stdout).RootElement;
        Assert.True(deletion.GetProperty("purged").GetBoolean());
        Assert.Equal(1, deletion.GetProperty("purgedSnapshots").GetInt32());
        Assert.Equal([tenant], deletion.GetProperty("releasedTenants").EnumerateArray().Select(t => t.GetString()));
        Assert.Empty(deletion.GetProperty("pendingTenants").EnumerateArray());
        Assert.Equal(3, (await Berth(env, "workloads", "get", id)).ExitCode);
    }

    /// <summary>The built binary as a process, for commands that stream until stopped; disposing kills it.</summary>
    private FollowedProcess StartBinary(params string[] args)
    {
        var start = new ProcessStartInfo(BinaryPath, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["BERTH_URL"] = GatewayUrl;
        start.Environment["BERTH_KEY"] = berth.Deployment.AdminKey;
        start.Environment["BERTH_CONFIG"] = Path.Combine(_home, "none.json");
        return new FollowedProcess(Process.Start(start)!);
    }

    private static string BinaryPath => Path.Combine(RepositoryPaths.Root, "src", "Cli", "bin", AppContext.BaseDirectory.Contains("/Release/") ? "Release" : "Debug", "net10.0", "berth");

    private sealed class FollowedProcess(Process process) : IAsyncDisposable
    {
        private readonly List<string> _seen = [];

        /// <summary>Reads stdout until a line matches; fails naming <paramref name="what"/> (and what came) if none does within the bound.</summary>
        public async Task<string> LineAsync(Func<string, bool> match, string what)
        {
            using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            try
            {
                while (await process.StandardOutput.ReadLineAsync(bound.Token) is { } line)
                {
                    _seen.Add(line);
                    if (match(line)) return line;
                }
            }
            catch (OperationCanceledException)
            {
            }
            throw new Xunit.Sdk.XunitException($"no line for {what}; exited: {process.HasExited}; seen:\n{string.Join("\n", _seen)}\n{(process.HasExited ? await process.StandardError.ReadToEndAsync() : "")}");
        }

        public async ValueTask DisposeAsync()
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }

    [DockerFact]
    public async Task A_404_exits_3_with_the_problem_and_json_errors_name_the_field()
    {
        await LoginAsync();
        var missing = await Berth(Environment(), "workloads", "get", "no-such-workload");
        Assert.True(missing.ExitCode == 3, missing.ToString());
        Assert.Contains("workload 'no-such-workload' does not exist", missing.Stderr);
        Assert.Contains("field: id", missing.Stderr);

        var json = await Berth(Environment(), "pools", "no-such-workload", "--json");
        Assert.True(json.ExitCode == 3, json.ToString());
        var error = JsonDocument.Parse(json.Stderr).RootElement.GetProperty("error");
        Assert.Equal(404, error.GetProperty("status").GetInt32());
        Assert.Equal("workload", error.GetProperty("field").GetString());

        var usage = await Berth(Environment(), "claim");
        Assert.True(usage.ExitCode == 2, usage.ToString());
    }

    [DockerFact]
    public async Task The_built_berth_binary_lists_the_pools_as_a_process()
    {
        var id = Integration.Workloads.NewId("clibin");
        (await berth.Api.PutWorkloadYamlAsync(id, Spec(id, max: 2))).EnsureSuccessStatusCode();
        var binary = BinaryPath;
        Assert.True(File.Exists(binary), $"{binary} is not built");
        var start = new ProcessStartInfo(binary, ["pools"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.Environment["BERTH_URL"] = GatewayUrl;
        start.Environment["BERTH_KEY"] = berth.Deployment.AdminKey;
        start.Environment["BERTH_CONFIG"] = Path.Combine(_home, "none.json");
        start.Environment["COLUMNS"] = "250";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var bound = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(bound.Token);
        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{await stderr}");
        Assert.True(output.Contains(id), output);
        Assert.Contains("WORKLOAD", output);
        await File.WriteAllTextAsync(Path.Combine(berth.Deployment.WorkDirectory, "berth-pools.txt"), output);
        (await berth.Http.DeleteAsync($"/workloads/{id}")).EnsureSuccessStatusCode();

        var missing = Process.Start(new ProcessStartInfo(binary, ["workloads", "get", "no-such-workload"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["BERTH_URL"] = GatewayUrl, ["BERTH_KEY"] = berth.Deployment.AdminKey, ["BERTH_CONFIG"] = Path.Combine(_home, "none.json") },
        })!;
        var missingError = missing.StandardError.ReadToEndAsync();
        await missing.StandardOutput.ReadToEndAsync();
        await missing.WaitForExitAsync(bound.Token);
        Assert.True(missing.ExitCode == 3, await missingError);
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);
}
