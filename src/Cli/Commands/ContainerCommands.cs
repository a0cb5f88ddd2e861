using System.CommandLine;
using Berth.Client;
using Berth.Client.Models;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary><c>berth logs</c>, <c>exec</c> and <c>cp</c>: a tenant's claimed container.</summary>
public static class ContainerCommands
{
    /// <summary>What <c>exec</c> exits with when the command ran past its timeout (as timeout(1) does).</summary>
    public const int TimedOut = 124;

    public static IEnumerable<Command> Build(CliContext context) => [Logs(context), Exec(context), Copy(context)];

    private static Command Logs(CliContext context)
    {
        var tenant = new Argument<string>("tenant") { Description = "The tenant id" };
        var workload = TenantCommands.WorkloadOption();
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep streaming new output until the container stops or Ctrl+C" };
        var tail = new Option<int?>("--tail") { Description = "Only the last N lines" };
        var since = new Option<string?>("--since") { Description = "From a duration ago (10m) or a time (2026-01-31T12:00:00Z)" };
        var service = TenantCommands.ServiceOption();
        var command = new Command("logs", "A tenant container's stdout and stderr") { tenant, workload, service, follow, tail, since };
        command.Handle(context, async (session, parse, ct) =>
        {
            await foreach (var line in session.Client.StreamLogsAsync(parse.GetValue(tenant)!, parse.GetValue(workload), parse.GetValue(tail),
                parse.GetValue(since), parse.GetValue(follow), parse.GetValue(service), ct))
            {
                Write(session, line);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Exec(CliContext context)
    {
        var tenant = new Argument<string>("tenant") { Description = "The tenant id" };
        var commandLine = new Argument<string[]>("command") { Description = "The command and its arguments (after --)", Arity = ArgumentArity.OneOrMore };
        var workload = TenantCommands.WorkloadOption();
        var interactive = new Option<bool>("--interactive", "-i") { Description = "Keep stdin open and send it to the command (a WebSocket session)" };
        var tty = new Option<bool>("--tty", "-t") { Description = "Give the command a terminal (with -i)" };
        var timeout = new Option<string?>("--timeout") { Description = "Kill the command after this long (30s, 5m); not with -i" };
        var workdir = new Option<string?>("--workdir") { Description = "Working directory in the container" };
        var user = new Option<string?>("--user", "-u") { Description = "User in the container (uid[:gid] or name)" };
        var service = TenantCommands.ServiceOption();
        var command = new Command("exec", "Run a command in a tenant's container; exits with the command's exit code")
        {
            tenant, commandLine, workload, service, interactive, tty, timeout, workdir, user,
        };
        command.Handle(context, async (session, parse, ct) =>
        {
            var id = parse.GetValue(tenant)!;
            var argv = parse.GetValue(commandLine)!;
            if (parse.GetValue(interactive)) return await InteractiveAsync(session, id, argv, parse.GetValue(tty), parse.GetValue(workload), parse.GetValue(service), ct);
            var request = new ExecRequest(argv)
            {
                Workload = parse.GetValue(workload),
                Service = parse.GetValue(service),
                Timeout = parse.GetValue(timeout),
                Workdir = parse.GetValue(workdir),
                User = parse.GetValue(user),
            };
            if (session.Json)
            {
                var result = await session.Client.ExecAsync(id, request, ct);
                session.Emit(result, _ => { });
                return result.TimedOut ? TimedOut : (int)(result.ExitCode ?? ExitCodes.Failed);
            }
            OutputLine? end = null;
            await foreach (var line in session.Client.StreamExecAsync(id, request, ct))
            {
                if (line.IsEnd) end = line;
                else Write(session, line);
            }
            if (end?.Note is { } note) session.Context.Error.WriteLine($"note: {note}");
            if (end?.TimedOut == true) return TimedOut;
            return (int)(end?.ExitCode ?? ExitCodes.Failed);
        });
        return command;
    }

    /// <summary>
    /// <c>exec -i</c>: stdin goes to the command as it is read, output comes back as it is written. The local terminal stays
    /// in its own (line) mode: .NET offers no portable raw mode.
    /// </summary>
    private static async Task<int> InteractiveAsync(Session session, string tenant, string[] argv, bool tty, string? workload, string? service, CancellationToken ct)
    {
        await using var exec = await session.Client.ConnectExecAsync(tenant, argv, tty, workload, service, ct);
        var context = session.Context;
        if (tty && !Console.IsOutputRedirected)
        {
            try
            {
                await exec.ResizeAsync(Console.WindowWidth, Console.WindowHeight, ct);
            }
            catch (IOException)
            {
                // No terminal size to tell: the container keeps its default.
            }
        }
        using var done = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var input = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            try
            {
                int read;
                while ((read = await context.StandardInput.ReadAsync(buffer, done.Token)) > 0) await exec.SendInputAsync(buffer.AsMemory(0, read), done.Token);
                await exec.SendEofAsync(done.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or System.Net.WebSockets.WebSocketException or IOException)
            {
                // The command ended (or the socket went) while stdin was still open.
            }
        }, CancellationToken.None);
        var exitCode = await exec.PumpOutputAsync(context.StandardOutput, context.StandardError, ct);
        await done.CancelAsync();
        return (int)(exitCode ?? ExitCodes.Failed);
    }

    private static Command Copy(CliContext context)
    {
        var source = new Argument<string>("source") { Description = "A local file, or TENANT:/path in the tenant's container" };
        var destination = new Argument<string>("destination") { Description = "TENANT:/path, or a local file or directory" };
        var workload = TenantCommands.WorkloadOption();
        var service = TenantCommands.ServiceOption();
        var command = new Command("cp", "Copy one file into or out of a tenant's container (berth cp notes.txt alice:/data/notes.txt)")
        {
            source, destination, workload, service,
        };
        command.Handle(context, async (session, parse, ct) =>
        {
            var from = parse.GetValue(source)!;
            var to = parse.GetValue(destination)!;
            var (fromTenant, fromPath) = Remote(from);
            var (toTenant, toPath) = Remote(to);
            if ((fromTenant is null) == (toTenant is null))
            {
                throw new CliException(ExitCodes.Usage, "exactly one of source and destination is TENANT:/path");
            }
            if (toTenant is not null)
            {
                if (Directory.Exists(from)) throw new CliException(ExitCodes.Usage, $"{from} is a directory; cp copies files");
                if (!File.Exists(from)) throw new CliException(ExitCodes.Usage, $"{from} does not exist");
                var target = toPath!.EndsWith('/') ? toPath + Path.GetFileName(from) : toPath;
                var bytes = await File.ReadAllBytesAsync(from, ct);
                await session.Client.UploadFileAsync(toTenant, target, bytes, workload: parse.GetValue(workload), service: parse.GetValue(service), cancellationToken: ct);
                session.Emit(new { tenant = toTenant, path = target, bytes = bytes.Length }, console => console.WriteLine($"{from} → {toTenant}:{target} ({bytes.Length} bytes)"));
                return ExitCodes.Ok;
            }
            var local = Directory.Exists(to) ? Path.Combine(to, Path.GetFileName(fromPath!.TrimEnd('/'))) : to;
            var partial = local + ".berth-partial";
            bool tar;
            await using (var file = File.Create(partial))
            {
                tar = await session.Client.DownloadFileAsync(fromTenant!, fromPath!, file, parse.GetValue(workload), parse.GetValue(service), ct);
            }
            File.Move(partial, local, overwrite: true);
            var length = new FileInfo(local).Length;
            session.Emit(new { tenant = fromTenant, path = fromPath, local, bytes = length, tar }, console =>
            {
                console.WriteLine($"{fromTenant}:{fromPath} → {local} ({length} bytes)");
                if (tar) console.WriteLine($"{fromPath} is a directory: {local} holds it as a tar");
            });
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>TENANT:/path split in two; a local path (no colon before a slash) gives nulls.</summary>
    internal static (string? Tenant, string? Path) Remote(string text)
    {
        var colon = text.IndexOf(':');
        if (colon <= 0 || text.IndexOf('/') is var slash && slash >= 0 && slash < colon) return (null, null);
        return (text[..colon], text[(colon + 1)..]);
    }

    private static void Write(Session session, OutputLine line)
    {
        if (session.Json)
        {
            Output.Line(session.Context, line);
            return;
        }
        var target = line.Stream == "stderr" ? session.Context.Error : session.Context.Raw;
        target.Write(line.Data);
        target.Flush();
    }
}
