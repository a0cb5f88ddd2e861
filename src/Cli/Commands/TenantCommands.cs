using System.CommandLine;
using Berth.Client.Models;
using Spectre.Console;

namespace Berth.Cli.Commands;

/// <summary><c>claim</c>, <c>release</c>, <c>status</c> and <c>sync</c> of a tenant.</summary>
public static class TenantCommands
{
    public static IEnumerable<Command> Build(CliContext context)
    {
        var tenant = new Argument<string>("tenant") { Description = "The tenant id" };
        var workloadArgument = new Argument<string>("workload") { Description = "The workload to claim a container of" };
        var ttl = new Option<string?>("--ttl") { Description = "End the claim that long after (30m, 1h30m)" };
        var claim = new Command("claim", "Claim a container of a workload for a tenant (idempotent)") { tenant, workloadArgument, ttl };
        claim.Handle(context, async (session, parse, ct) =>
        {
            var view = await session.Client.ClaimAsync(parse.GetValue(tenant)!, parse.GetValue(workloadArgument)!, parse.GetValue(ttl), ct);
            session.Emit(view, console => console.Write(Fields(view)));
            return ExitCodes.Ok;
        });

        var workload = WorkloadOption();
        var force = new Option<bool>("--force") { Description = "Destroy the container without saving its state (admin)" };
        var release = new Command("release", "Release a tenant's container (its state saved; the pool refills)") { tenant, workload, force };
        release.Handle(context, async (session, parse, ct) =>
        {
            var view = await session.Client.ReleaseAsync(parse.GetValue(tenant)!, parse.GetValue(workload), parse.GetValue(force), ct);
            session.Emit(view, console => console.Write(Fields(view)));
            return ExitCodes.Ok;
        });

        var status = new Command("status", "A tenant's claims and their states") { tenant };
        status.Handle(context, async (session, parse, ct) =>
        {
            var view = await session.Client.GetTenantStatusAsync(parse.GetValue(tenant)!, ct);
            session.Emit(view, console =>
            {
                var table = Output.Table("WORKLOAD", "STATE", "CONTAINER", "HOST", "ENDPOINTS", "SINCE", "EXPIRES", "ERROR");
                foreach (var c in view.Claims)
                {
                    table.Row(c.Workload, c.State, Short(c.ContainerId), c.HostId, Endpoints(c), c.StateSince, c.ExpiresAt, c.Error);
                }
                console.Write(table);
                if (view.Claims.Length == 0) console.MarkupLineInterpolated($"tenant {view.TenantId} holds nothing");
            });
            return ExitCodes.Ok;
        });

        var syncWorkload = WorkloadOption();
        var sync = new Command("sync", "Snapshot a tenant's claimed container now (sync.policy.manual)") { tenant, syncWorkload };
        sync.Handle(context, async (session, parse, ct) =>
        {
            var view = await session.Client.SyncAsync(parse.GetValue(tenant)!, parse.GetValue(syncWorkload), ct);
            session.Emit(view, console => console.Write(Fields(view)));
            return ExitCodes.Ok;
        });
        return [claim, release, status, sync];
    }

    internal static Option<string?> WorkloadOption() => new("--workload", "-w") { Description = "The workload, when the tenant holds several" };

    internal static Option<string?> ServiceOption() => new("--service", "-s") { Description = "In a stack workload, the service's container (default: the primary, the first service)" };

    internal static string? Short(string? containerId) => containerId is { Length: > 12 } id ? id[..12] : containerId;

    private static string Endpoints(TenantClaim claim) => Endpoints(claim.Endpoints);

    /// <summary>Published ports as <c>8080→127.0.0.1:32768, …</c>.</summary>
    internal static string Endpoints(IEnumerable<ContainerEndpoint> endpoints) =>
        string.Join(", ", endpoints.Select(e => $"{e.ContainerPort}→{e.Address ?? $"{e.HostIp}:{e.HostPort}"}"));

    private static Spectre.Console.Rendering.IRenderable Fields(TenantClaim c) => Output.Fields(
        ("tenant", c.TenantId), ("workload", c.Workload), ("state", c.State), ("container", c.ContainerId), ("host", c.HostId),
        ("endpoints", Endpoints(c)), ("services", Services(c)), ("source", c.Source), ("claimed at", c.ClaimedAt), ("expires at", c.ExpiresAt), ("error", c.Error));

    /// <summary>A stack's services with their containers: <c>web a1b2c3d4e5f6, db 0f9e8d7c6b5a</c>.</summary>
    private static string? Services(TenantClaim claim) =>
        claim.Services is { } services ? string.Join(", ", services.Select(s => $"{s.Service} {Short(s.ContainerId)}")) : null;
}
