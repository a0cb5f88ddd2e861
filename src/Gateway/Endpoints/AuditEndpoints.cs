using System.Globalization;
using Berth.Gateway.Audit;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;

namespace Berth.Gateway.Endpoints;

/// <summary><c>/audit</c>: who did what, and whether the trail is intact.</summary>
public static class AuditEndpoints
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    /// <summary>How long a read waits for this gateway's own queued events to be stored first.</summary>
    private static readonly TimeSpan FlushWait = TimeSpan.FromSeconds(5);

    public static RouteGroupBuilder MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/audit").WithTags("Audit").RequireAuthorization(BerthPolicies.Admin);

        group.MapGet("/", async (string? principal, string? resource, string? since, string? until, string? limit,
            IAuditLog log, AuditWriter writer, CancellationToken cancellationToken) =>
        {
            if (ParseTime(since, "since", out var from) is { } sinceProblem) return sinceProblem;
            if (ParseTime(until, "until", out var to) is { } untilProblem) return untilProblem;
            var take = DefaultLimit;
            if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take is < 1 or > MaxLimit))
            {
                return ProblemResults.BadRequest("limit", $"limit must be a whole number from 1 to {MaxLimit}");
            }
            if (principal is { Length: > 300 } || resource is { Length: > 300 })
            {
                return ProblemResults.BadRequest(principal is { Length: > 300 } ? "principal" : "resource", "at most 300 characters");
            }
            await FlushAsync(writer, cancellationToken);
            var records = await log.QueryAsync(new AuditQuery(principal, resource, from, to, take), cancellationToken);
            return Results.Ok(records.Select(AuditEntryView.From));
        })
        .Produces<AuditEntryView[]>()
        .WithSummary("Audit entries, newest first, filtered by principal, resource (and everything below it) and time (ISO 8601)");

        group.MapGet("/verify", async (IAuditLog log, AuditWriter writer, CancellationToken cancellationToken) =>
        {
            await FlushAsync(writer, cancellationToken);
            return Results.Ok(await AuditChain.VerifyAsync(log.ReadAllAsync(cancellationToken), cancellationToken));
        })
        .Produces<AuditVerification>()
        .WithSummary("Recompute the hash chain over the whole trail and name the first entry that does not fit");

        return group;
    }

    private static async Task FlushAsync(AuditWriter writer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(FlushWait);
        try
        {
            await writer.FlushAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The audit store is slow or down: answer with what it holds.
        }
    }

    private static IResult? ParseTime(string? text, string field, out DateTimeOffset? value)
    {
        value = null;
        if (text is null) return null;
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            return ProblemResults.BadRequest(field, $"{field} must be an ISO 8601 time, such as 2026-11-24T10:00:00Z");
        }
        value = parsed;
        return null;
    }
}

/// <summary>One audit entry as <c>GET /audit</c> shows it.</summary>
public sealed record AuditEntryView(long Seq, DateTimeOffset At, string Principal, string? Role, string Action, string? Resource, int Result, double DurationMs, string PrevHash, string Hash)
{
    public static AuditEntryView From(AuditRecord r) => new(r.Seq, r.Event.At, r.Event.Principal, r.Event.Role, r.Event.Action, r.Event.Resource,
        r.Event.Result, r.Event.DurationMicroseconds / 1000.0, r.PrevHash, r.Hash);
}
