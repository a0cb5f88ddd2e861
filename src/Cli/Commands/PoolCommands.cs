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
        return command;
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
