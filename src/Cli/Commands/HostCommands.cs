using System.CommandLine;
using Berth.Client.Models;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary><c>berth hosts list|get|cordon|uncordon|drain</c>, and <c>berth hosts stacks</c> (see <see cref="HostStackCommands"/>).</summary>
public static class HostCommands
{
    public static Command Build(CliContext context)
    {
        var hosts = new Command("hosts", "The Docker hosts: list, cordon, drain, and their operator stacks");
        var list = new Command("list", "Every registered host");
        list.Handle(context, async (session, _, ct) =>
        {
            var all = await session.Client.ListHostsAsync(ct);
            session.Emit(all, console =>
            {
                var table = Output.Table("ID", "KIND", "STATE", "CONTAINERS", "MAX", "EGRESS", "LAST HEARTBEAT", "DRAIN", "PROBLEM");
                foreach (var h in all) table.Row(h.Id, h.Kind, h.State, h.Containers, h.MaxContainers, h.Egress, h.LastHeartbeat, Drain(h), h.Problem);
                console.Write(table);
            });
            return ExitCodes.Ok;
        });

        var id = new Argument<string>("host") { Description = "The host id" };
        var get = BerthCli.OnResource(context, "get", "One host, with its engine's own view", id, (c, h, ct) => c.GetHostAsync(h, ct), Fields);
        var cordon = BerthCli.OnResource(context, "cordon", "No new members on the host; its idle members keep serving", id,
            (c, h, ct) => c.CordonHostAsync(h, ct), Fields);
        var uncordon = BerthCli.OnResource(context, "uncordon", "Let the host take new members again", id, (c, h, ct) => c.UncordonHostAsync(h, ct), Fields);

        var evict = new Option<bool>("--evict") { Description = "Release claimed tenants (state saved) and claim them again elsewhere" };
        var watch = new Option<bool>("--watch") { Description = "Follow the drain's operation with a progress bar" };
        var drain = new Command("drain", "Cordon the host and remove its members") { id, evict, watch };
        drain.Handle(context, async (session, parse, ct) =>
        {
            var started = await session.Client.DrainHostAsync(parse.GetValue(id)!, parse.GetValue(evict), ct);
            if (parse.GetValue(watch) && started.OperationId is { } op) return await OperationCommands.WatchAsync(session, op, ct);
            session.Emit(new { host = started.Host, operationId = started.OperationId }, console =>
            {
                console.Write(Fields(started.Host));
                if (started.OperationId is { } operation) console.WriteLine($"Follow it: berth operations watch {operation}");
            });
            return ExitCodes.Ok;
        });

        foreach (var command in new[] { list, get, cordon, uncordon, drain }) hosts.Subcommands.Add(command);
        hosts.Subcommands.Add(HostStackCommands.Build(context));
        return hosts;
    }

    private static string? Drain(HostInfo h) => h.Drain is { } d ? $"{d.State} {d.Done}/{d.Total}" : null;

    private static Spectre.Console.Grid Fields(HostInfo h) => Output.Fields(("id", h.Id), ("kind", h.Kind), ("state", h.State), ("since", h.StateSince),
        ("endpoint", h.Endpoint), ("publish address", h.PublishAddress), ("containers", h.Containers), ("max containers", h.MaxContainers),
        ("egress", h.Egress), ("last heartbeat", h.LastHeartbeat), ("drain", Drain(h)), ("problem", h.Problem), ("engine error", h.EngineError));
}
