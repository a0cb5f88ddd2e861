using System.Threading.RateLimiting;
using Berth.Gateway.Problems;
using Microsoft.AspNetCore.RateLimiting;

namespace Berth.Gateway.Security;

/// <summary>A token bucket per principal, so one noisy caller cannot starve the others.</summary>
public static class RateLimitSetup
{
    public static IServiceCollection AddBerthRateLimits(this IServiceCollection services, RateLimitOptions options, Proxy.ProxyOptions proxy)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                // Health probes are never limited: orchestrators poll them.
                if (context.Request.Path.StartsWithSegments("/healthz") || context.Request.Path.StartsWithSegments("/readyz"))
                {
                    return RateLimitPartition.GetNoLimiter("health");
                }
                if (context.GetEndpoint()?.Metadata.GetMetadata<Proxy.ProxyEndpoints.ProxiedTraffic>() is not null
                    && context.GetRouteValue("tenantId") is string tenantId)
                {
                    // An app's traffic (pages, assets, streams) is not API calls: its own, larger budget per tenant.
                    return RateLimitPartition.GetTokenBucketLimiter($"proxy:{tenantId}", _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = Math.Max(1, proxy.Burst),
                        TokensPerPeriod = Math.Max(1, proxy.PermitsPerSecond),
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    });
                }
                var principal = context.User.Identity?.IsAuthenticated == true
                    ? BerthClaims.NameOf(context.User)
                    : $"anonymous:{context.Connection.RemoteIpAddress}";
                return RateLimitPartition.GetTokenBucketLimiter(principal, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = Math.Max(1, options.Burst),
                    TokensPerPeriod = Math.Max(1, options.PermitsPerSecond),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
                await ProblemResults.Problem(StatusCodes.Status429TooManyRequests,
                    $"more than {options.PermitsPerSecond} requests per second (burst {options.Burst}) from {BerthClaims.NameOf(context.HttpContext.User)}; slow down",
                    retryAfterSeconds: retryAfter).ExecuteAsync(context.HttpContext);
            };
        });
        return services;
    }
}
