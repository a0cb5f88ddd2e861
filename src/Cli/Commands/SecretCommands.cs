using System.CommandLine;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary>
/// <c>berth secrets set|ls|rm</c>: the operator secret store host stacks read <c>${secret:NAME}</c> from. A value goes in
/// (argument, file or stdin, sent byte for byte) and is never printed: answers name secrets only.
/// </summary>
public static class SecretCommands
{
    public static Command Build(CliContext context)
    {
        var secrets = new Command("secrets", "Operator secrets for host stacks (${secret:NAME}): set, ls, rm; values are never shown");
        var name = new Argument<string>("name") { Description = "The secret's name" };

        var value = new Argument<string?>("value") { Description = "The value (else --from-file, else stdin)", Arity = ArgumentArity.ZeroOrOne };
        var fromFile = new Option<FileInfo?>("--from-file", "-f") { Description = "Read the value from this file, as it is (a trailing newline is part of it)" };
        var set = new Command("set", "Store or replace an operator secret; stacks using it change on their next apply") { name, value, fromFile };
        set.Handle(context, async (session, parse, ct) =>
        {
            var secretName = parse.GetValue(name)!;
            var bytes = await ValueAsync(session.Context, parse.GetValue(value), parse.GetValue(fromFile), ct);
            var stored = await session.Client.PutOperatorSecretAsync(secretName, bytes, ct);
            session.Emit(stored, console => console.MarkupLineInterpolated($"{(stored.Created ? "Stored" : "Replaced")} secret [bold]{secretName}[/]"));
            return ExitCodes.Ok;
        });

        var ls = new Command("ls", "The names of the operator secrets (never their values)");
        ls.Aliases.Add("list");
        ls.Handle(context, async (session, _, ct) =>
        {
            var names = await session.Client.ListOperatorSecretsAsync(ct);
            session.Emit(new { names }, console =>
            {
                var table = Output.Table("NAME");
                foreach (var n in names) table.Row(n);
                console.Write(table);
            });
            return ExitCodes.Ok;
        });

        var rm = new Command("rm", "Delete an operator secret (running containers keep the value they were given)") { name };
        rm.Aliases.Add("delete");
        rm.Handle(context, async (session, parse, ct) =>
        {
            var secretName = parse.GetValue(name)!;
            await session.Client.DeleteOperatorSecretAsync(secretName, ct);
            session.Emit(new { name = secretName, deleted = true }, console => console.MarkupLineInterpolated($"Deleted secret [bold]{secretName}[/]"));
            return ExitCodes.Ok;
        });

        foreach (var command in new[] { set, ls, rm }) secrets.Subcommands.Add(command);
        return secrets;
    }

    /// <summary>The value from exactly one place: the argument, the file, or a piped stdin (a terminal is never read: it would echo).</summary>
    private static async Task<byte[]> ValueAsync(CliContext context, string? argument, FileInfo? file, CancellationToken cancellationToken)
    {
        if (argument is not null && file is not null) throw new CliException(ExitCodes.Usage, "give the value or --from-file, not both");
        if (argument is not null) return System.Text.Encoding.UTF8.GetBytes(argument);
        if (file is not null)
        {
            if (!file.Exists) throw new CliException(ExitCodes.Usage, $"{file.FullName} does not exist");
            return await File.ReadAllBytesAsync(file.FullName, cancellationToken);
        }
        if (!context.InputRedirected) throw new CliException(ExitCodes.Usage, "no value: give it as an argument, with --from-file, or on stdin (echo -n VALUE | berth secrets set NAME)");
        using var buffer = new MemoryStream();
        await context.StandardInput.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }
}
