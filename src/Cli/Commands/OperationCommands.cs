using System.CommandLine;
using Berth.Client.Models;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary><c>berth operations list|get|watch|cancel</c>: long changes (drain, rollout, resize, provision).</summary>
public static class OperationCommands
{
    public static Command Build(CliContext context)
    {
        var operations = new Command("operations", "Long changes tracked as resources: list, get, watch with a progress bar, cancel");
        var state = new Option<string?>("--state") { Description = "running or finished" };
        state.AcceptOnlyFromAmong("running", "finished");
        var kind = new Option<string?>("--kind") { Description = "drain, rollout, resize or provision" };
        var target = new Option<string?>("--target") { Description = "The host or workload it changes" };
        var limit = new Option<int?>("--limit") { Description = "At most this many, newest first" };
        var list = new Command("list", "Operations, newest first") { state, kind, target, limit };
        list.Handle(context, async (session, parse, ct) =>
        {
            var all = await session.Client.ListOperationsAsync(new OperationQuery(parse.GetValue(state), parse.GetValue(kind), parse.GetValue(target), parse.GetValue(limit)), ct);
            session.Emit(all, console =>
            {
                var table = Output.Table("ID", "KIND", "TARGET", "STATE", "PROGRESS", "STARTED", "BY", "MESSAGE");
                foreach (var o in all) table.Row(o.Id, o.Kind, o.Target, o.State, $"{o.Done}/{o.Total}", o.StartedAt, o.StartedBy, o.Message);
                console.Write(table);
            });
            return ExitCodes.Ok;
        });

        var id = new Argument<string>("id") { Description = "The operation id (op-…)" };
        var get = BerthCli.OnResource(context, "get", "One operation", id, (c, op, ct) => c.GetOperationAsync(op, ct), Fields);

        var watch = new Command("watch", "Follow an operation with a progress bar until it finishes; exits 1 when it failed or was cancelled") { id };
        watch.Handle(context, (session, parse, ct) => WatchAsync(session, parse.GetValue(id)!, ct));

        var cancel = BerthCli.OnResource(context, "cancel", "Ask a running operation to stop (409 when it already finished)", id,
            (c, op, ct) => c.CancelOperationAsync(op, ct), Fields);

        foreach (var command in new[] { list, get, watch, cancel }) operations.Subcommands.Add(command);
        return operations;
    }

    /// <summary>
    /// Follows <paramref name="id"/>: a Spectre progress bar on a terminal, one line per change otherwise, and with
    /// <c>--json</c> one JSON object per change. The exit code is 0 only when it succeeded.
    /// </summary>
    internal static async Task<int> WatchAsync(Session session, string id, CancellationToken ct)
    {
        Operation? last = null;
        var console = session.Context.Out;
        if (session.Json || !console.Profile.Capabilities.Interactive)
        {
            await foreach (var o in session.Client.WatchOperationAsync(id, ct))
            {
                last = o;
                if (session.Json) Output.Line(session.Context, o);
                else console.WriteLine(ProgressLine(o));
            }
        }
        else
        {
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    var bar = progress.AddTask(Markup.Escape(id), maxValue: 1);
                    await foreach (var o in session.Client.WatchOperationAsync(id, ct))
                    {
                        last = o;
                        bar.MaxValue = Math.Max(1, o.Total);
                        bar.Value = o.Total == 0 && o.IsFinished ? 1 : o.Done;
                        bar.Description = Markup.Escape($"{o.Kind} {o.Target}: {o.State} {o.Done}/{o.Total}");
                    }
                    bar.StopTask();
                });
            if (last is not null) console.WriteLine(ProgressLine(last));
        }
        if (last is null) throw new CliException(ExitCodes.Unavailable, $"the stream of {id} ended before it said anything");
        if (!session.Json)
        {
            foreach (var error in last.Errors) session.Context.Error.WriteLine($"error: {error.Item ?? "-"}: {error.Message}");
        }
        return last.State == "succeeded" ? ExitCodes.Ok : last.IsFinished ? ExitCodes.Failed : ExitCodes.Unavailable;
    }

    /// <summary>What a command that started <paramref name="started"/> prints: the operation, or with --watch its progress to the end.</summary>
    internal static async Task<int> StartedAsync(Session session, Operation started, bool watch, CancellationToken ct)
    {
        if (watch) return await WatchAsync(session, started.Id, ct);
        session.Emit(started, console =>
        {
            console.Write(Fields(started));
            console.WriteLine($"Follow it: berth operations watch {started.Id}");
        });
        return ExitCodes.Ok;
    }

    internal static string ProgressLine(Operation o) =>
        $"{o.Id} {o.Kind} {o.Target}: {o.State} {o.Done}/{o.Total}" + (o.Message is null ? "" : $" — {o.Message}");

    private static Spectre.Console.Grid Fields(Operation o) => Output.Fields(("id", o.Id), ("kind", o.Kind), ("target", o.Target), ("state", o.State),
        ("progress", $"{o.Done}/{o.Total}"), ("message", o.Message), ("errors", o.Errors.Length), ("started by", o.StartedBy), ("started at", o.StartedAt),
        ("updated at", o.UpdatedAt), ("completed at", o.CompletedAt), ("version", o.Version));
}
