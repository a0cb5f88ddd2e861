using System.CommandLine;
using Berth.Client.Models;

namespace Berth.Cli.Commands;

/// <summary><c>berth pools [WORKLOAD]</c>: what each pool keeps warm and has handed out.</summary>
public static class PoolCommands
{
    public static Command Build(CliContext context)
    {
        var workload = new Argument<string?>("workload") { Description = "One pool's workload; all pools when left out", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("pools", "Pools: idle, claimed, creating and destroying counts, warm target; one pool lists its members") { workload };
        command.Handle(context, async (session, parse, ct) =>
        {
            if (parse.GetValue(workload) is { } one)
            {
                var pool = await session.Client.GetPoolAsync(one, ct);
                session.Emit(pool, console =>
                {
                    console.Write(Counts([pool]));
                    var members = Output.Table("MEMBER", "CONTAINER", "HOST", "STATE", "TENANT", "SPEC", "AGE (s)");
                    foreach (var m in pool.Members) members.Row(m.MemberId, TenantCommands.Short(m.ContainerId), m.HostId, m.State, m.TenantId, m.SpecVersion, Math.Round(m.AgeSeconds));
                    console.Write(members);
                });
                return ExitCodes.Ok;
            }
            var pools = await session.Client.ListPoolsAsync(ct);
            session.Emit(pools, console => console.Write(Counts(pools)));
            return ExitCodes.Ok;
        });
        command.Subcommands.Add(Resize(context));
        return command;
    }

    /// <summary><c>berth pools resize WORKLOAD [--min N] [--max N] [--watch]</c>: a resize operation.</summary>
    private static Command Resize(CliContext context)
    {
        var workload = new Argument<string>("workload") { Description = "The pool's workload" };
        var min = new Option<int?>("--min") { Description = "New pool.min_size (left as it is when not given)" };
        var max = new Option<int?>("--max") { Description = "New pool.max_size (left as it is when not given)" };
        var watch = new Option<bool>("--watch") { Description = "Follow the resize with a progress bar" };
        var resize = new Command("resize", "Change a pool's min and max sizes, as an operation toward the new minimum") { workload, min, max, watch };
        resize.Handle(context, async (session, parse, ct) =>
        {
            var started = await session.Client.ResizePoolAsync(parse.GetValue(workload)!, parse.GetValue(min), parse.GetValue(max), ct);
            return await OperationCommands.StartedAsync(session, started, parse.GetValue(watch), ct);
        });
        return resize;
    }

    private static Spectre.Console.Table Counts(IEnumerable<Pool> pools)
    {
        var table = Output.Table("WORKLOAD", "SPEC", "MIN", "MAX", "IDLE", "CLAIMED", "CREATING", "DESTROYING", "LOST", "WARM TARGET", "CLAIMS/S", "LAST ERROR");
        foreach (var p in pools)
        {
            table.Row(p.Workload, p.SpecVersion, p.MinSize, p.MaxSize, p.Idle, p.Claimed, p.Creating, p.Destroying, p.Lost, p.WarmTarget, p.ClaimsPerSecond, p.LastError);
        }
        return table;
    }
}
