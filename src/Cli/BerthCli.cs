using System.CommandLine;
using System.CommandLine.Completions;
using System.Text.Json;
using Berth.Cli.Commands;
using Berth.Client;

namespace Berth.Cli;

/// <summary>The <c>berth</c> command tree and the one place that turns failures into messages and exit codes.</summary>
public static class BerthCli
{
    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("berth: the command line of a Berth gateway (pre-warmed containers for tenants)");
        root.Options.Add(context.JsonOption);
        root.Subcommands.Add(LoginCommand.Build(context));
        root.Subcommands.Add(LoginCommand.BuildWhoAmI(context));
        foreach (var command in TenantCommands.Build(context)) root.Subcommands.Add(command);
        root.Subcommands.Add(WorkloadCommands.Build(context));
        root.Subcommands.Add(PoolCommands.Build(context));
        root.Subcommands.Add(HostCommands.Build(context));
        root.Subcommands.Add(SecretCommands.Build(context));
        foreach (var command in ContainerCommands.Build(context)) root.Subcommands.Add(command);
        root.Subcommands.Add(KeyCommands.Build(context));
        root.Subcommands.Add(AuditCommands.Build(context));
        root.Subcommands.Add(EventCommands.Build(context));
        root.Subcommands.Add(OperationCommands.Build(context));
        root.Subcommands.Add(CompletionCommand.Build(context));
        return root;
    }

    /// <summary>Runs <c>berth</c> with <paramref name="args"/>; the answer is the exit code (see <see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var root = Build(context);
        var parse = root.Parse(args);
        var completing = root.Directives.OfType<SuggestDirective>().Any(d => parse.GetResult(d) is not null);
        if (parse.Errors.Count > 0 && !completing)
        {
            foreach (var error in parse.Errors) context.Error.WriteLine($"error: {error.Message}");
            context.Error.WriteLine("See 'berth --help'.");
            return ExitCodes.Usage;
        }
        return await parse.InvokeAsync(new InvocationConfiguration
        {
            Output = context.Raw,
            Error = context.Error,
            EnableDefaultExceptionHandler = false,
        }, cancellationToken);
    }

    /// <summary>Sets a command's action: a connected client, <c>--json</c>, and failures mapped to exit codes.</summary>
    internal static void Handle(this Command command, CliContext context, Func<Session, ParseResult, CancellationToken, Task<int>> action) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            var json = parse.GetValue(context.JsonOption);
            return await Guard(context, json, async () =>
            {
                using var session = Session.Open(context, json);
                return await action(session, parse, cancellationToken);
            }, cancellationToken);
        });

    /// <summary>A command on one resource named by <paramref name="id"/>: calls <paramref name="call"/> and prints the answer (JSON, or <paramref name="render"/>).</summary>
    internal static Command OnResource<T>(CliContext context, string name, string description, Argument<string> id,
        Func<Client.BerthClient, string, CancellationToken, Task<T>> call, Func<T, Spectre.Console.Rendering.IRenderable> render)
    {
        var command = new Command(name, description) { id };
        command.Handle(context, async (session, parse, ct) =>
        {
            var value = await call(session.Client, parse.GetValue(id)!, ct);
            session.Emit(value, console => console.Write(render(value)));
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Runs <paramref name="body"/>, reporting what went wrong on stderr (as JSON with <c>--json</c>) and choosing the exit code.</summary>
    internal static async Task<int> Guard(CliContext context, bool json, Func<Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body();
        }
        catch (BerthApiException ex)
        {
            Report(context, json, ex.Message, new { status = ex.Status, title = ex.Title, detail = ex.Detail, field = ex.Field, errors = ex.Errors });
            return ExitCodes.Of(ex);
        }
        catch (CliException ex)
        {
            Report(context, json, ex.Message, new { detail = ex.Message });
            return ex.ExitCode;
        }
        catch (HttpRequestException ex)
        {
            Report(context, json, $"cannot reach the gateway: {ex.Message}", new { detail = ex.Message });
            return ExitCodes.Unavailable;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Failed;
        }
        catch (OperationCanceledException ex)
        {
            Report(context, json, $"the gateway did not answer in time: {ex.Message}", new { detail = ex.Message });
            return ExitCodes.Unavailable;
        }
    }

    private static void Report(CliContext context, bool json, string message, object problem)
    {
        context.Error.WriteLine(json ? JsonSerializer.Serialize(new { error = problem }, Output.Json) : $"error: {message}");
        context.Error.Flush();
    }
}
