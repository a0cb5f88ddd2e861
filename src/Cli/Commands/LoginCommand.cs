using System.CommandLine;
using Berth.Client;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary><c>berth login URL --key KEY</c>: checks the key against the gateway and saves both (0600); <c>berth whoami</c>.</summary>
public static class LoginCommand
{
    public static Command Build(CliContext context)
    {
        var url = new Argument<string>("url") { Description = "The gateway's URL, e.g. http://127.0.0.1:5080" };
        var key = new Option<string?>("--key", "-k") { Description = "An API key (bk_…) or a JWT; read from stdin when '-'" };
        var command = new Command("login", "Save the gateway URL and key to the config file (mode 0600); BERTH_URL and BERTH_KEY still win") { url, key };
        command.SetAction((parse, cancellationToken) =>
        {
            var json = parse.GetValue(context.JsonOption);
            return BerthCli.Guard(context, json, async () =>
            {
                var target = parse.GetValue(url)!.TrimEnd('/');
                var secret = parse.GetValue(key);
                if (secret == "-") secret = (await context.In.ReadLineAsync(cancellationToken))?.Trim();
                if (string.IsNullOrEmpty(secret)) throw new CliException(ExitCodes.Usage, "--key is required (or --key - to read it from stdin)");
                if (!Uri.TryCreate(target, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                {
                    throw new CliException(ExitCodes.Usage, $"'{target}' is not an http(s) URL");
                }
                using var client = new BerthClient(new BerthClientOptions { BaseAddress = uri, ApiKey = secret }, context.Handler);
                var me = await client.WhoAmIAsync(cancellationToken);
                var path = CliConfig.PathOf(context.Environment);
                new CliConfig(target, secret).Save(path);
                Output.Emit(context, json, new { url = target, config = path, principal = me },
                    console => console.MarkupLineInterpolated($"Logged in to [bold]{target}[/] as [bold]{me.Name}[/] ({me.Role ?? "no role"}); saved to {path}"));
                return ExitCodes.Ok;
            }, cancellationToken);
        });
        return command;
    }

    public static Command BuildWhoAmI(CliContext context)
    {
        var command = new Command("whoami", "The principal, role and tenant of the key in use");
        command.Handle(context, async (session, _, cancellationToken) =>
        {
            var me = await session.Client.WhoAmIAsync(cancellationToken);
            session.Emit(me, console => console.Write(Output.Fields(("name", me.Name), ("role", me.Role), ("tenant", me.TenantId),
                ("gateway", session.Client.Options.BaseAddress))));
            return ExitCodes.Ok;
        });
        return command;
    }
}
