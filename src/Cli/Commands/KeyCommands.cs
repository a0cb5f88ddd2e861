using System.CommandLine;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary><c>berth keys list|create|revoke</c> (admin).</summary>
public static class KeyCommands
{
    public static Command Build(CliContext context)
    {
        var keys = new Command("keys", "API keys (admin): list, create, revoke");
        var list = new Command("list", "Every key (never a secret)");
        list.Handle(context, async (session, _, ct) =>
        {
            var all = await session.Client.ListKeysAsync(ct);
            session.Emit(all, console =>
            {
                var table = Output.Table("ID", "NAME", "ROLE", "TENANT", "CREATED", "BY", "REVOKED");
                foreach (var k in all) table.Row(k.Id, k.Name, k.Role, k.TenantId, k.CreatedAt, k.CreatedBy, k.RevokedAt);
                console.Write(table);
            });
            return ExitCodes.Ok;
        });

        var name = new Argument<string>("name") { Description = "What the key is for" };
        var role = new Option<string>("--role") { Description = "admin, operator, viewer or tenant", Required = true };
        role.AcceptOnlyFromAmong("admin", "operator", "viewer", "tenant");
        var tenant = new Option<string?>("--tenant") { Description = "The tenant a tenant key acts for" };
        var create = new Command("create", "Create a key; its secret is shown this once") { name, role, tenant };
        create.Handle(context, async (session, parse, ct) =>
        {
            var created = await session.Client.CreateKeyAsync(parse.GetValue(name)!, parse.GetValue(role)!, parse.GetValue(tenant), ct);
            session.Emit(created, console =>
            {
                console.Write(Output.Fields(("id", created.Key.Id), ("name", created.Key.Name), ("role", created.Key.Role), ("tenant", created.Key.TenantId)));
                console.MarkupLineInterpolated($"secret (shown once): [bold]{created.Secret}[/]");
            });
            return ExitCodes.Ok;
        });

        var id = new Argument<string>("id") { Description = "The key id" };
        var revoke = new Command("revoke", "Revoke a key") { id };
        revoke.Handle(context, async (session, parse, ct) =>
        {
            var keyId = parse.GetValue(id)!;
            await session.Client.RevokeKeyAsync(keyId, ct);
            session.Emit(new { id = keyId, revoked = true }, console => console.WriteLine($"Revoked {keyId}"));
            return ExitCodes.Ok;
        });

        keys.Subcommands.Add(list);
        keys.Subcommands.Add(create);
        keys.Subcommands.Add(revoke);
        return keys;
    }
}
