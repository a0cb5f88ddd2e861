using System.Formats.Tar;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Berth.Tests.Support;

namespace Berth.Tests.Integration;

/// <summary>
/// Exec, logs and files of a claimed container through the gateway, over real sockets against the
/// real engine. The container runs as the non-root user 1000 with root-owned directories around it.
/// </summary>
[Collection(BerthClusterCollection.Name)]
public sealed class ContainerAccessTests(BerthClusterFixture berth)
{
    private sealed record ExecJson(long? ExitCode, string Stdout, string Stderr, bool TimedOut, bool StdoutTruncated, bool StderrTruncated, string? Note);

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>Prints "started", then "more" whenever /tmp/more appears: logs a test can wait for without timing.</summary>
    private static string Talker(string id) => $$"""
        id: {{id}}
        image: {{DockerRequirement.TestImage}}
        user: "1000:1000"
        command: ["sh", "-c", "echo started; echo warming >&2; i=0; while [ $i -lt 36000 ]; do if [ -f /tmp/more ]; then echo more; rm /tmp/more; fi; sleep 0.1; i=$((i+1)); done"]
        volumes:
          state:
            target: /data
          secrets:
            target: /run/secrets
        pool:
          min_size: 1
          max_size: 3
        """;

    private async Task<(string Workload, string Tenant, string ContainerId)> ClaimAsync(string prefix)
    {
        var workload = Workloads.NewId(prefix);
        (await berth.Api.PutWorkloadYamlAsync(workload, Talker(workload))).EnsureSuccessStatusCode();
        var tenant = $"t-{workload}";
        var claim = await berth.Api.ClaimOkAsync(tenant, workload);
        return (workload, tenant, claim.ContainerId!);
    }

    private async Task<ExecJson> ExecAsync(string tenant, object body)
    {
        using var response = await berth.Http.PostAsJsonAsync($"/tenants/{tenant}/exec", body);
        return await BerthApi.ReadOkAsync<ExecJson>(response);
    }

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [DockerFact]
    public async Task Exec_answers_split_streams_and_the_exit_code_honours_env_workdir_user_and_stdin_and_is_audited()
    {
        var (_, tenant, _) = await ClaimAsync("exec");
        var failed = await ExecAsync(tenant, new { command = new[] { "sh", "-c", "echo out; echo err >&2; exit 3" } });
        Assert.Equal(3, failed.ExitCode);
        Assert.Equal("out\n", failed.Stdout);
        Assert.Equal("err\n", failed.Stderr);
        Assert.False(failed.TimedOut);

        var shaped = await ExecAsync(tenant, new { command = new[] { "sh", "-c", "echo $GREETING; pwd; id -u" }, env = new Dictionary<string, string> { ["GREETING"] = "hi there" }, workdir = "/tmp" });
        Assert.Equal("hi there\n/tmp\n1000\n", shaped.Stdout);
        var asRoot = await ExecAsync(tenant, new { command = new[] { "id", "-u" }, user = "0" });
        Assert.Equal("0\n", asRoot.Stdout);
        var fed = await ExecAsync(tenant, new { command = new[] { "cat" }, stdin = "fed through stdin" });
        Assert.Equal("fed through stdin", fed.Stdout);
        Assert.Equal(0, fed.ExitCode);

        // The trail is written in the background.
        var audit = await Eventually.Until(() => berth.Http.GetStringAsync("/audit?limit=200"),
            text => text.Contains("POST /tenants/{tenantId}/exec [sh -c 'echo out; echo err >&2; exit 3'] on"), "the exec to be in the audit trail");
        Assert.Contains("exit 3", audit);
    }

    [DockerFact]
    public async Task An_exec_past_its_timeout_is_reported_and_killed()
    {
        var (_, tenant, _) = await ClaimAsync("exec-timeout");
        var slow = await ExecAsync(tenant, new { command = new[] { "sleep", "4321" }, timeout = "1s" });
        Assert.True(slow.TimedOut);
        Assert.Null(slow.ExitCode);
        Assert.Null(slow.Note);
        // Killed, not left running in the container.
        await Eventually.Until(() => ExecAsync(tenant, new { command = new[] { "ps" } }), ps => !ps.Stdout.Contains("sleep 4321"), "the timed-out command to be gone");
    }

    [DockerFact]
    public async Task A_streamed_exec_sends_ndjson_lines_and_ends_with_the_exit_code()
    {
        var (_, tenant, _) = await ClaimAsync("exec-stream");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/tenants/{tenant}/exec")
        {
            Content = JsonContent.Create(new { command = new[] { "sh", "-c", "echo one; sleep 0.2; echo two >&2; exit 5" } }),
        };
        request.Headers.Accept.ParseAdd("application/x-ndjson");
        using var response = await berth.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("application/x-ndjson", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var output = lines.Where(l => l.TryGetProperty("stream", out _)).Select(l => (l.GetProperty("stream").GetString(), l.GetProperty("data").GetString())).ToList();
        Assert.Contains(("stdout", "one\n"), output);
        Assert.Contains(("stderr", "two\n"), output);
        Assert.Equal(5, lines[^1].GetProperty("exitCode").GetInt64());
        Assert.Single(lines, l => l.TryGetProperty("exitCode", out _));
    }

    [DockerFact]
    public async Task An_interactive_exec_over_a_websocket_takes_input_and_reports_the_exit()
    {
        var (_, tenant, _) = await ClaimAsync("exec-ws");
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-Api-Key", berth.Deployment.AdminKey);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{berth.Deployment.HttpPort}/tenants/{tenant}/exec/ws?cmd=sh&tty=false"), timeout.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes("echo interactive $((6*7))\n"), WebSocketMessageType.Binary, true, timeout.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes("""{"type":"nonsense"}"""), WebSocketMessageType.Text, true, timeout.Token);
        var stdout = new StringBuilder();
        var texts = new List<string>();
        var buffer = new byte[4096];
        var sentExit = false;
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            if (received.MessageType == WebSocketMessageType.Close) break;
            if (received.MessageType == WebSocketMessageType.Binary)
            {
                Assert.Equal(1, buffer[0]);
                stdout.Append(Encoding.UTF8.GetString(buffer, 1, received.Count - 1));
            }
            else
            {
                texts.Add(Encoding.UTF8.GetString(buffer, 0, received.Count));
            }
            if (!sentExit && stdout.ToString().Contains("interactive 42"))
            {
                sentExit = true;
                await socket.SendAsync(Encoding.UTF8.GetBytes("exit 7\n"), WebSocketMessageType.Binary, true, timeout.Token);
            }
        }
        Assert.Contains("interactive 42", stdout.ToString());
        Assert.Contains(texts, t => t.Contains("\"type\":\"error\"") && t.Contains("unknown control message"));
        var exit = JsonDocument.Parse(texts.Single(t => t.Contains("\"exit\""))).RootElement;
        Assert.Equal(7, exit.GetProperty("exitCode").GetInt64());
    }

    [DockerFact]
    public async Task A_terminal_exec_takes_its_size_from_resize_messages()
    {
        var (_, tenant, _) = await ClaimAsync("exec-tty");
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-Api-Key", berth.Deployment.AdminKey);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{berth.Deployment.HttpPort}/tenants/{tenant}/exec/ws?cmd=sh&tty=true"), timeout.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes("""{"type":"resize","cols":123,"rows":45}"""), WebSocketMessageType.Text, true, timeout.Token);
        await socket.SendAsync(Encoding.UTF8.GetBytes("busybox stty size; exit\n"), WebSocketMessageType.Binary, true, timeout.Token);
        var output = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, timeout.Token);
            if (received.MessageType == WebSocketMessageType.Close) break;
            // A terminal has one stream: everything comes as stdout.
            if (received.MessageType == WebSocketMessageType.Binary)
            {
                Assert.Equal(1, buffer[0]);
                output.Append(Encoding.UTF8.GetString(buffer, 1, received.Count - 1));
            }
        }
        Assert.Contains("45 123", output.ToString());
    }

    [DockerFact]
    public async Task Logs_read_the_containers_output_and_follow_streams_what_comes_next()
    {
        var (_, tenant, _) = await ClaimAsync("logs");
        // A member is handed out once running; its shell may print a moment later.
        await Eventually.Until(() => berth.Http.GetStringAsync($"/tenants/{tenant}/logs"),
            text => text.Contains("started\n") && text.Contains("warming\n"), "the container's first output on stdout and stderr");
        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/tenants/{tenant}/logs?tail=5"))
        {
            request.Headers.Accept.ParseAdd("application/x-ndjson");
            using var response = await berth.Http.SendAsync(request);
            var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Contains(lines, l => l.GetProperty("stream").GetString() == "stderr" && l.GetProperty("data").GetString() == "warming\n");
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var followed = await berth.Http.GetAsync($"/tenants/{tenant}/logs?follow=true", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await followed.Content.ReadAsStreamAsync(timeout.Token));
        var seen = new List<string>();
        while (!seen.Contains("started")) seen.Add((await reader.ReadLineAsync(timeout.Token))!);
        // The container prints "more" only once asked: reading it proves the stream follows.
        (await ExecAsync(tenant, new { command = new[] { "touch", "/tmp/more" } })).ExitCode.ToString();
        while (!seen.Contains("more")) seen.Add((await reader.ReadLineAsync(timeout.Token)) ?? throw new Xunit.Sdk.XunitException($"the log stream ended; saw {string.Join("|", seen)}"));

        using var badTail = await berth.Http.GetAsync($"/tenants/{tenant}/logs?tail=-1");
        Assert.Equal("tail", (await ProblemAsync(badTail)).GetProperty("field").GetString());
    }

    [DockerFact]
    public async Task A_file_and_a_directory_round_trip_owned_by_the_containers_user_and_bad_paths_are_400s()
    {
        var (_, tenant, _) = await ClaimAsync("files");
        var bytes = Encoding.UTF8.GetBytes("line one\nline two\n");
        using (var put = await berth.Http.PutAsync($"/tenants/{tenant}/files?path=/data/notes.txt", new ByteArrayContent(bytes)))
        {
            Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        }
        using (var get = await berth.Http.GetAsync($"/tenants/{tenant}/files?path=/data/notes.txt"))
        {
            Assert.Equal("application/octet-stream", get.Content.Headers.ContentType?.MediaType);
            Assert.Equal(bytes, await get.Content.ReadAsByteArrayAsync());
        }
        var owner = await ExecAsync(tenant, new { command = new[] { "stat", "-c", "%u:%g", "/data/notes.txt" } });
        Assert.Equal("1000:1000\n", owner.Stdout);

        // A directory: a tar in, a tar out.
        using var tarIn = new MemoryStream();
        using (var writer = new TarWriter(tarIn, leaveOpen: true))
        {
            foreach (var (name, text) in new[] { ("site/index.html", "<h1>hi</h1>"), ("site/css/app.css", "body{}") })
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)), Uid = 1000, Gid = 1000 });
            }
        }
        var upload = new ByteArrayContent(tarIn.ToArray());
        upload.Headers.ContentType = new("application/x-tar");
        using (var put = await berth.Http.PutAsync($"/tenants/{tenant}/files?path=/data", upload)) Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        using (var get = await berth.Http.GetAsync($"/tenants/{tenant}/files?path=/data/site"))
        {
            Assert.Equal("application/x-tar", get.Content.Headers.ContentType?.MediaType);
            var files = new Dictionary<string, string>();
            using var reader = new TarReader(await get.Content.ReadAsStreamAsync());
            while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
            {
                if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile) files[entry.Name] = new StreamReader(entry.DataStream!).ReadToEnd();
            }
            Assert.Equal("<h1>hi</h1>", files["site/index.html"]);
            Assert.Equal("body{}", files["site/css/app.css"]);
        }

        foreach (var (path, why) in new[] { ("data/x", "absolute"), ("/data/../etc/passwd", ".."), ("", "required") })
        {
            using var bad = await berth.Http.GetAsync($"/tenants/{tenant}/files?path={Uri.EscapeDataString(path)}");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var problem = await ProblemAsync(bad);
            Assert.Equal("path", problem.GetProperty("field").GetString());
            Assert.Contains(why, problem.GetProperty("detail").GetString());
        }
        using (var missing = await berth.Http.GetAsync($"/tenants/{tenant}/files?path=/data/no-such-file"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }
        using (var secret = await berth.Http.PutAsync($"/tenants/{tenant}/files?path=/run/secrets/token", new ByteArrayContent(bytes)))
        {
            Assert.Equal(HttpStatusCode.Conflict, secret.StatusCode);
            Assert.Contains("read-only", (await ProblemAsync(secret)).GetProperty("detail").GetString());
        }
    }

    [DockerFact]
    public async Task Bad_exec_input_is_a_400_naming_the_field_and_no_claim_is_a_404()
    {
        var (workload, tenant, _) = await ClaimAsync("exec-bad");
        foreach (var (body, field) in new[]
        {
            ("""{"command":"ls -la"}""", "command"),
            ("""{"command":[]}""", "command"),
            ("""{"command":["ls"],"timeout":"forever"}""", "timeout"),
            ("""{"command":["ls"],"colour":"blue"}""", "colour"),
        })
        {
            using var bad = await berth.Http.PostAsync($"/tenants/{tenant}/exec", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal(field, (await ProblemAsync(bad)).GetProperty("field").GetString());
        }
        using var nobody = await berth.Http.PostAsJsonAsync($"/tenants/nobody-{workload}/exec", new { command = new[] { "ls" } });
        Assert.Equal(HttpStatusCode.NotFound, nobody.StatusCode);
        using var viewer = berth.Deployment.NewClient(await berth.Api.CreateKeyAsync("viewer"));
        using var denied = await viewer.PostAsJsonAsync($"/tenants/{tenant}/exec", new { command = new[] { "ls" } });
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }
}
