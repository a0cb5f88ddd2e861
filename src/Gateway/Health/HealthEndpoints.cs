using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Berth.Gateway.Health;

/// <summary>
/// <c>/healthz</c> (the process serves requests: no checks) and <c>/readyz</c> (checks tagged
/// <see cref="ReadyTag"/>: a silo answers), as health checks, anonymous and never rate limited.
/// Answers: 200 <c>{"status":"ok"}</c> / <c>{"status":"ready"}</c>; 503 <c>{"status":"unready","detail":…}</c>.
/// </summary>
public static class HealthEndpoints
{
    public const string ReadyTag = "ready";

    public static IServiceCollection AddBerthHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks().AddCheck<ClusterReadyCheck>("cluster", tags: [ReadyTag]);
        return services;
    }

    public static void MapBerthHealthChecks(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = (c, r) => WriteAsync(c, r, "ok") })
            .WithTags("Health").AllowAnonymous();
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = (c, r) => WriteAsync(c, r, "ready") })
            .WithTags("Health").AllowAnonymous();
    }

    private static Task WriteAsync(HttpContext context, HealthReport report, string healthy)
    {
        context.Response.ContentType = "application/json";
        var detail = report.Entries.Values.Select(e => e.Description).FirstOrDefault(d => d is not null);
        object body = report.Status == HealthStatus.Unhealthy ? new { status = "unready", detail } : new { status = healthy };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }
}
