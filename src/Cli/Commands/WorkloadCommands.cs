using System.CommandLine;
using Berth.Client.Models;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary><c>berth workloads apply|list|get|rm (delete)|provision</c>.</summary>
public static class WorkloadCommands
{
    public static Command Build(CliContext context)
    {
        var workloads = new Command("workloads", "Register, read and delete workload specs");

        var file = new Argument<FileInfo>("file") { Description = "A workload spec (YAML); its id: names the workload" };
        var yes = new Option<bool>("--yes", "-y") { Description = "Apply without asking" };
        var force = new Option<bool>("--force") { Description = "Allow an update to stop syncing a path tenants have snapshots of" };
        var apply = new Command("apply", "Show the diff against the registered spec, ask, then register or update the workload") { file, yes, force };
        apply.Handle(context, async (session, parse, ct) =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists) throw new CliException(ExitCodes.Usage, $"{path.FullName} does not exist");
            var yaml = await File.ReadAllTextAsync(path.FullName, ct);
            var id = IdOf(yaml) ?? throw new CliException(ExitCodes.Usage, $"{path.Name} has no top-level 'id:' line naming the workload");
            var registered = await session.Client.FindWorkloadAsync(id, ct);
            var diff = SpecDiff.Unified(registered is null ? "" : SpecDiff.ToYaml(registered.Spec, yaml), yaml,
                registered is null ? "/dev/null" : $"registered {id} (version {registered.Version})", path.Name);
            if (registered is not null && diff.Count == 0 && !session.Json)
            {
                session.Context.Out.MarkupLineInterpolated($"[grey]{id}: the file matches the registered spec line by line; applying anyway (the gateway decides)[/]");
            }
            if (!session.Json) PrintDiff(session.Context, diff);
            if (!await Prompt.ConfirmAsync(session.Context, registered is null ? $"Register workload {id}?" : $"Update workload {id}?", parse.GetValue(yes), ct))
            {
                session.Context.Error.WriteLine("Nothing changed.");
                return ExitCodes.Failed;
            }
            var applied = await session.Client.ApplyWorkloadYamlAsync(id, yaml, parse.GetValue(force), ct);
            session.Emit(new { workload = applied.Workload, created = applied.Created, operationId = applied.OperationId, diff }, console =>
            {
                console.MarkupLineInterpolated($"[green]{(applied.Created ? "Registered" : "Updated")}[/] workload [bold]{id}[/] (version {applied.Workload.Version})");
                foreach (var warning in applied.Workload.Warnings ?? []) console.MarkupLineInterpolated($"[yellow]warning:[/] {warning}");
                if (applied.OperationId is { } op) console.MarkupLineInterpolated($"Rollout started: berth operations watch {op}");
            });
            return ExitCodes.Ok;
        });

        var list = new Command("list", "The registered workloads");
        list.Handle(context, async (session, _, ct) =>
        {
            var all = await session.Client.ListWorkloadsAsync(ct);
            session.Emit(all, console =>
            {
                var table = Output.Table("ID", "VERSION", "UPDATED", "IMAGE", "SOURCE", "RETIRING");
                foreach (var w in all) table.Row(w.Id, w.Version, w.UpdatedAt, ImageOf(w), w.Source, w.Retiring ? "yes" : null);
                console.Write(table);
            });
            return ExitCodes.Ok;
        });

        var id = new Argument<string>("id") { Description = "The workload id" };
        var get = new Command("get", "One registered workload and its spec") { id };
        get.Handle(context, async (session, parse, ct) =>
        {
            var w = await session.Client.GetWorkloadAsync(parse.GetValue(id)!, ct);
            session.Emit(w, console =>
            {
                console.Write(Output.Fields(("id", w.Id), ("version", w.Version), ("updated", w.UpdatedAt), ("source", w.Source),
                    ("retiring", w.Retiring ? "yes: its file went; no new claims, deleted once its tenants release" : null)));
                console.WriteLine();
                session.Context.Raw.Write(SpecDiff.ToYaml(w.Spec));
            });
            return ExitCodes.Ok;
        });

        var deleteYes = new Option<bool>("--yes", "-y") { Description = "Delete without asking" };
        var purge = new Option<bool>("--purge") { Description = "Also delete every tenant's snapshots of it (the id cannot be registered again until all are gone)" };
        var forceDelete = new Option<bool>("--force") { Description = "First release the tenants holding its containers (state saved, or not when purging)" };
        var delete = new Command("rm", "Delete a workload and drain its pool (409 while tenants hold its containers, unless --force)") { id, deleteYes, purge, forceDelete };
        delete.Aliases.Add("delete");
        delete.Handle(context, async (session, parse, ct) =>
        {
            var target = parse.GetValue(id)!;
            var (purging, forcing) = (parse.GetValue(purge), parse.GetValue(forceDelete));
            var question = $"Delete workload {target} and its pool{(purging ? ", with every tenant's snapshots of it" : "")}{(forcing ? ", releasing its tenants" : "")}?";
            if (!await Prompt.ConfirmAsync(session.Context, question, parse.GetValue(deleteYes), ct))
            {
                session.Context.Error.WriteLine("Nothing changed.");
                return ExitCodes.Failed;
            }
            var deletion = await session.Client.DeleteWorkloadAsync(target, purging, forcing, ct);
            session.Emit(new { id = target, deleted = true, deletion.Purged, deletion.PurgedSnapshots, deletion.PendingTenants, deletion.ReleasedTenants }, console =>
            {
                console.MarkupLineInterpolated($"Deleted workload [bold]{target}[/]");
                if (!deletion.Detailed) return;
                console.Write(Output.Fields(("purged", deletion.Purged ? "yes" : "no"), ("purged snapshots", deletion.PurgedSnapshots),
                    ("released tenants", string.Join(", ", deletion.ReleasedTenants)),
                    ("pending tenants", deletion.PendingTenants.Length == 0 ? null : $"{string.Join(", ", deletion.PendingTenants)} (their sinks did not answer; retried every minute)")));
            });
            return ExitCodes.Ok;
        });

        workloads.Subcommands.Add(apply);
        workloads.Subcommands.Add(list);
        workloads.Subcommands.Add(get);
        workloads.Subcommands.Add(delete);

        var provisionId = new Argument<string>("id") { Description = "The workload id" };
        var tenants = new Argument<string[]>("tenants") { Description = "The tenants to claim it for", Arity = ArgumentArity.OneOrMore };
        var provisionWatch = new Option<bool>("--watch") { Description = "Follow the provision with a progress bar" };
        var provision = new Command("provision", "Claim the workload for many tenants, a few at a time, as an operation") { provisionId, tenants, provisionWatch };
        provision.Handle(context, async (session, parse, ct) =>
        {
            var started = await session.Client.ProvisionAsync(parse.GetValue(provisionId)!, parse.GetValue(tenants)!, ct);
            return await OperationCommands.StartedAsync(session, started, parse.GetValue(provisionWatch), ct);
        });
        workloads.Subcommands.Add(provision);
        return workloads;
    }

    /// <summary>The top-level <c>id:</c> of a spec, read as text (the gateway alone parses the YAML).</summary>
    internal static string? IdOf(string yaml)
    {
        foreach (var raw in yaml.Replace("\r\n", "\n").Split('\n'))
        {
            if (!raw.StartsWith("id:", StringComparison.Ordinal)) continue;
            var value = raw[3..].Split('#')[0].Trim().Trim('"', '\'');
            return value.Length > 0 ? value : null;
        }
        return null;
    }

    private static string? ImageOf(Workload w) =>
        w.Spec.ValueKind == System.Text.Json.JsonValueKind.Object && w.Spec.TryGetProperty("image", out var image) ? image.ToString() : null;

    private static void PrintDiff(CliContext context, IReadOnlyList<string> diff)
    {
        foreach (var line in diff)
        {
            var color = line.StartsWith("---") || line.StartsWith("+++") ? "bold" : line[0] switch { '+' => "green", '-' => "red", _ => "grey" };
            context.Out.MarkupLine($"[{color}]{Markup.Escape(line)}[/]");
        }
    }
}
