using System.Diagnostics;
using Berth.Gateway.Security;

namespace Berth.Gateway.Audit;

/// <summary>
/// Records every mutating request and every denial (401, 403, 429), whatever its outcome. Sits
/// after authentication (so it knows who) and before authorization (so it sees denials).
/// </summary>
public sealed class AuditMiddleware(RequestDelegate next, AuditWriter writer)
{
    private const int MaxFieldLength = 300;

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        int? failedWith = null;
        try
        {
            await next(context);
        }
        catch (Exception ex)
        {
            // The exception handler outside turns it into a problem: record the status it will answer.
            failedWith = Problems.ProblemExceptionHandler.StatusOf(ex);
            throw;
        }
        finally
        {
            var status = failedWith ?? context.Response.StatusCode;
            var proxied = context.GetEndpoint()?.Metadata.GetMetadata<Proxy.ProxyEndpoints.ProxiedTraffic>() is not null;
            var detail = context.Items.TryGetValue(Endpoints.ContainerAccessEndpoints.AuditDetailItem, out var d) ? d as string : null;
            if (detail is not null || (proxied ? status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden : ShouldRecord(context.Request.Method, status)))
            {
                await writer.EnqueueAsync(new AuditEvent(
                    DateTimeOffset.UtcNow,
                    BerthClaims.NameOf(context.User),
                    BerthClaims.RoleOf(context.User),
                    Clip($"{context.Request.Method} {ActionOf(context)}" + (detail is null ? "" : $" {detail}")),
                    ResourceOf(context),
                    status,
                    (long)Stopwatch.GetElapsedTime(started).TotalMicroseconds));
            }
        }
    }

    private static bool ShouldRecord(string method, int status) =>
        !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method))
        || status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden or StatusCodes.Status429TooManyRequests;

    /// <summary>Query flags that change what a call does (a release that destroys unsaved state), kept in the action.</summary>
    private static readonly string[] MeaningfulFlags = ["force", "purge", "evict"];

    /// <summary>The route template when one matched (no ids in it), else the path; with the flags that change its meaning.</summary>
    private static string ActionOf(HttpContext context)
    {
        var action = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } pattern
            ? "/" + pattern.TrimStart('/')
            : context.Request.Path.Value ?? "/";
        var flags = MeaningfulFlags.Where(f => context.Request.Query.TryGetValue(f, out var v) && v.ToString() is "true" or "1").ToList();
        return flags.Count == 0 ? action : $"{action}?{string.Join('&', flags.Select(f => f + "=true"))}";
    }

    /// <summary>"tenant:alice", "tenant:alice/secret:api-key", "workload:web", "host:local", "host:local/stack:web", "secret:db-password", "key:3f2a…", "webhook:wh_…".</summary>
    private static string? ResourceOf(HttpContext context)
    {
        var values = context.Request.RouteValues;
        string? Value(string key) => values.TryGetValue(key, out var v) && v is string s ? s : null;
        var resource = Value("tenantId") is { } tenant ? $"tenant:{tenant}" + (Value("name") is { } secret ? $"/secret:{secret}" : "")
            : Value("webhookId") is { } webhook ? $"webhook:{webhook}"
            : Value("id") is { } workloadId ? $"workload:{workloadId}"
            : Value("workload") is { } workload ? $"workload:{workload}"
            : Value("hostId") is { } host ? $"host:{host}" + (Value("stack") is { } stack ? $"/stack:{stack}" : "")
            : Value("secretName") is { } operatorSecret ? $"secret:{operatorSecret}"
            : Value("keyId") is { } key ? $"key:{key}"
            : null;
        return resource is null ? null : Clip(resource);
    }

    private static string Clip(string value) => value.Length <= MaxFieldLength ? value : value[..MaxFieldLength] + "…";
}
