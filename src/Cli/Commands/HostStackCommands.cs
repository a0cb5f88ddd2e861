using System.CommandLine;
using Berth.Client.Models;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary><c>berth hosts stacks list|show|apply|rm</c>: an operator's compose stacks on one host.</summary>
public static class HostStackCommands
{
    public static Command Build(CliContext context)
    {
        var stacks = new Command("stacks", "An operator's compose stacks on one host: list, show, apply (with a plan), rm");
        var host = new Argument<string>("host") { Description = "The host id" };
        var name = new Argument<string>("name") { Description = "The stack's name (a DNS label)" };

        var list = new Command("list", "The host's stacks, one row per service") { host };
        list.Handle(context, async (session, parse, ct) =>
        {
            var all = await session.Client.ListHostStacksAsync(parse.GetValue(host)!, ct);
            session.Emit(all, console => console.Write(Services(all)));
            return ExitCodes.Ok;
        });

        var show = new Command("show", "One stack: each service's container, state, health and ports") { host, name };
        show.Handle(context, async (session, parse, ct) =>
        {
            var stack = await session.Client.GetHostStackAsync(parse.GetValue(host)!, parse.GetValue(name)!, ct);
            session.Emit(stack, console =>
            {
                console.Write(Output.Fields(("stack", stack.Name), ("host", stack.HostId), ("network", stack.Network)));
                console.Write(Services([stack]));
            });
            return ExitCodes.Ok;
        });

        var file = new Argument<FileInfo>("file") { Description = "The compose file (YAML or JSON)" };
        var diff = new Option<bool>("--diff") { Description = "Only show the plan; change nothing" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Apply without asking" };
        var apply = new Command("apply", "Show the plan (create, update, remove, unchanged per service), ask, then apply the compose file") { host, name, file, diff, yes };
        apply.Handle(context, async (session, parse, ct) =>
        {
            var (hostId, stackName, path) = (parse.GetValue(host)!, parse.GetValue(name)!, parse.GetValue(file)!);
            if (!path.Exists) throw new CliException(ExitCodes.Usage, $"{path.FullName} does not exist");
            var compose = await File.ReadAllTextAsync(path.FullName, ct);
            var plan = await session.Client.ApplyHostStackAsync(hostId, stackName, compose, diffOnly: true, ct);
            if (parse.GetValue(diff))
            {
                session.Emit(plan, console => console.Write(Plan(plan.Plan)));
                return ExitCodes.Ok;
            }
            if (!session.Json) session.Context.Out.Write(Plan(plan.Plan));
            var changes = plan.Plan.Count(c => c.Action != "unchanged");
            if (changes > 0 && !await Prompt.ConfirmAsync(session.Context, $"Apply {changes} change(s) to stack {stackName} on host {hostId}?", parse.GetValue(yes), ct))
            {
                session.Context.Error.WriteLine("Nothing changed.");
                return ExitCodes.Failed;
            }
            var applied = await session.Client.ApplyHostStackAsync(hostId, stackName, compose, diffOnly: false, ct);
            session.Emit(applied, console =>
            {
                // The plan shown was a moment old; the apply's own plan is what was done.
                if (!applied.Plan.SequenceEqual(plan.Plan, PlanComparer.Instance)) console.Write(Plan(applied.Plan));
                console.MarkupLineInterpolated($"[green]Applied[/] stack [bold]{stackName}[/] on host [bold]{hostId}[/]: {Summary(applied.Plan)}");
                if (applied.Stack is { } stack) console.Write(Services([stack]));
            });
            return ExitCodes.Ok;
        });

        var rm = new Command("rm", "Remove every container of the stack and its network") { host, name };
        rm.Handle(context, async (session, parse, ct) =>
        {
            var (hostId, stackName) = (parse.GetValue(host)!, parse.GetValue(name)!);
            await session.Client.RemoveHostStackAsync(hostId, stackName, ct);
            session.Emit(new { host = hostId, stack = stackName, removed = true }, console => console.MarkupLineInterpolated($"Removed stack [bold]{stackName}[/] from host [bold]{hostId}[/]"));
            return ExitCodes.Ok;
        });

        foreach (var command in new[] { list, show, apply, rm }) stacks.Subcommands.Add(command);
        return stacks;
    }

    /// <summary>The plan: one row per service, its action and the fields that differ (secrets by name only).</summary>
    internal static Table Plan(IEnumerable<HostStackChange> plan)
    {
        var table = Output.Table("SERVICE", "ACTION", "CHANGED FIELDS");
        foreach (var change in plan) table.Row(change.Service, change.Action, string.Join(", ", change.Fields));
        return table;
    }

    private static string Summary(IEnumerable<HostStackChange> plan) =>
        string.Join(", ", plan.GroupBy(c => c.Action).Select(g => $"{g.Count()} {g.Key}"));

    private static Table Services(IEnumerable<HostStack> stacks)
    {
        var table = Output.Table("STACK", "SERVICE", "STATE", "HEALTH", "IMAGE", "CONTAINER", "PORTS");
        foreach (var stack in stacks)
        {
            foreach (var s in stack.Services) table.Row(stack.Name, s.Service, s.State, s.Health, s.Image, TenantCommands.Short(s.ContainerId), TenantCommands.Endpoints(s.Ports));
        }
        return table;
    }

    /// <summary>Changes compared by value (records compare arrays by reference).</summary>
    private sealed class PlanComparer : IEqualityComparer<HostStackChange>
    {
        public static PlanComparer Instance { get; } = new();

        public bool Equals(HostStackChange? x, HostStackChange? y) =>
            x is not null && y is not null && x.Service == y.Service && x.Action == y.Action && x.Fields.SequenceEqual(y.Fields);

        public int GetHashCode(HostStackChange obj) => HashCode.Combine(obj.Service, obj.Action);
    }
}
