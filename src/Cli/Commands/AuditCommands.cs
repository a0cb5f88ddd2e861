using System.CommandLine;
using Berth.Client.Models;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary><c>berth audit query|verify</c> (admin).</summary>
public static class AuditCommands
{
    public static Command Build(CliContext context)
    {
        var audit = new Command("audit", "The audit trail (admin): query, verify the hash chain");
        var principal = new Option<string?>("--principal") { Description = "Only this principal's entries" };
        var resource = new Option<string?>("--resource") { Description = "Only entries on this resource and below it (tenant:alice, workload:web)" };
        var since = new Option<DateTimeOffset?>("--since") { Description = "From this time (ISO 8601)" };
        var until = new Option<DateTimeOffset?>("--until") { Description = "Until this time (ISO 8601)" };
        var limit = new Option<int?>("--limit") { Description = "At most this many entries" };
        var query = new Command("query", "Audit entries, newest first") { principal, resource, since, until, limit };
        query.Handle(context, async (session, parse, ct) =>
        {
            var entries = await session.Client.QueryAuditAsync(new AuditQuery(parse.GetValue(principal), parse.GetValue(resource), parse.GetValue(since),
                parse.GetValue(until), parse.GetValue(limit)), ct);
            session.Emit(entries, console =>
            {
                var table = Output.Table("SEQ", "AT", "PRINCIPAL", "ROLE", "ACTION", "RESOURCE", "RESULT", "MS");
                foreach (var e in entries) table.Row(e.Seq, e.At, e.Principal, e.Role, e.Action, e.Resource, e.Result, e.DurationMs);
                console.Write(table);
            });
            return ExitCodes.Ok;
        });

        var verify = new Command("verify", "Recompute the hash chain; exits 1 when an entry does not fit");
        verify.Handle(context, async (session, _, ct) =>
        {
            var result = await session.Client.VerifyAuditAsync(ct);
            session.Emit(result, console =>
            {
                if (result.Valid) console.MarkupLineInterpolated($"[green]valid[/]: {result.Entries} entries chain up");
                else console.MarkupLineInterpolated($"[red]broken[/] at entry {result.FirstInvalidSeq}: {result.Problem}");
            });
            return result.Valid ? ExitCodes.Ok : ExitCodes.Failed;
        });
        audit.Subcommands.Add(query);
        audit.Subcommands.Add(verify);
        return audit;
    }
}
