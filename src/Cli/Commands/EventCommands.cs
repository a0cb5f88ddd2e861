using System.CommandLine;
using Berth.Client.Models;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary><c>berth events [-f]</c>: lifecycle events, stored or as they happen.</summary>
public static class EventCommands
{
    public static Command Build(CliContext context)
    {
        var tenant = new Option<string?>("--tenant") { Description = "Only this tenant's events" };
        var workload = new Option<string?>("--workload", "-w") { Description = "Only this workload's events" };
        var types = new Option<string[]>("--type") { Description = "Only these types (claimed, released, host_down, …); repeat or comma-separate", AllowMultipleArgumentsPerToken = true };
        var since = new Option<long?>("--since") { Description = "After this sequence" };
        var limit = new Option<int?>("--limit") { Description = "The newest N (without --since; default 100)" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Stream events as they happen (server-sent events) until Ctrl+C" };
        var command = new Command("events", "Lifecycle events: claimed, released, lost, host_down, …") { tenant, workload, types, since, limit, follow };
        command.Handle(context, async (session, parse, ct) =>
        {
            var query = new EventQuery(parse.GetValue(tenant), parse.GetValue(workload),
                parse.GetValue(types)?.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray(),
                parse.GetValue(since), parse.GetValue(limit));
            if (!parse.GetValue(follow))
            {
                var events = await session.Client.ListEventsAsync(query, ct);
                session.Emit(events, console =>
                {
                    var table = Output.Table("SEQ", "AT", "TYPE", "TENANT", "WORKLOAD", "HOST", "CONTAINER", "REASON");
                    foreach (var e in events) table.Row(e.Sequence, e.At, e.Type, e.TenantId, e.Workload, e.HostId, TenantCommands.Short(e.ContainerId), e.Reason);
                    console.Write(table);
                });
                return ExitCodes.Ok;
            }
            await foreach (var e in session.Client.StreamEventsAsync(query, ct))
            {
                if (session.Json) Output.Line(session.Context, e);
                else session.Context.Out.WriteLine($"{e.Sequence} {Output.Cell(e.At)} {e.Type} tenant={Output.Cell(e.TenantId)} workload={Output.Cell(e.Workload)} host={Output.Cell(e.HostId)}{(e.Reason is null ? "" : " " + e.Reason)}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
