using System.Net;
using Berth.Gateway.Cluster;
using Berth.Gateway.Endpoints;
using Berth.Gateway.Problems;
using Berth.Gateway.Security;
using Berth.Specs;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Berth.Gateway.Proxy;

/// <summary>
/// <c>ANY /tenants/{tenantId}/ports/{port}/{**path}</c>: the claimed container's declared port,
/// reverse-proxied (YARP's forwarder: bodies and responses stream, WebSockets and server-sent
/// events pass), and <c>POST …/links</c> for signed links a browser can open without a key.
/// </summary>
public static class ProxyEndpoints
{
    /// <summary>Marks proxied traffic: the audit log records its denials, not every request of the app behind it.</summary>
    public sealed class ProxiedTraffic;

    public sealed record LinkRequest(string? Ttl);

    public sealed record LinkResponse(string Url, string Token, DateTimeOffset ExpiresAt);

    public static IServiceCollection AddTenantProxy(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ProxyOptions>(configuration.GetSection(ProxyOptions.Section));
        services.AddHttpForwarder();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TenantActivity>();
        services.AddSingleton<ProxyLinks>();
        services.AddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<ProxyOptions>>().Value;
            // No pooling across tenants' containers matters here: one invoker, no proxy, no redirects or cookies of its own.
            return new TenantProxyClient(new HttpMessageInvoker(new SocketsHttpHandler
            {
                UseProxy = false,
                AllowAutoRedirect = false,
                AutomaticDecompression = DecompressionMethods.None,
                UseCookies = false,
                ConnectTimeout = options.ConnectTimeout,
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
                ActivityHeadersPropagator = new ReverseProxyPropagator(System.Diagnostics.DistributedContextPropagator.Current),
            }));
        });
        return services;
    }

    public sealed record TenantProxyClient(HttpMessageInvoker Invoker);

    public static void MapProxyEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/tenants/{tenantId}/ports/{port:int}").WithTags("Proxy");

        group.MapPost("/links", async (string tenantId, int port, HttpRequest request, ProxyLinks links, IOptions<ProxyOptions> options, TimeProvider clock) =>
        {
            if ((TenantEndpoints.InvalidTenant(tenantId) ?? InvalidPort(port)) is { } problem) return problem;
            var (body, bodyProblem) = await RequestBody.ReadJsonAsync<LinkRequest>(request, optional: true);
            if (bodyProblem is not null) return bodyProblem;
            var ttl = options.Value.DefaultLinkTtl;
            if (body?.Ttl is { } text && (!DurationParser.TryParse(text, out ttl) || ttl <= TimeSpan.Zero))
            {
                return ProblemResults.BadRequest("ttl", $"ttl must be a positive duration such as 90s, 15m or 2h (got '{text}')");
            }
            if (ttl > options.Value.MaxLinkTtl)
            {
                return ProblemResults.BadRequest("ttl", $"ttl may be at most {options.Value.MaxLinkTtl} (Gateway:Proxy:MaxLinkTtl)");
            }
            var expires = clock.GetUtcNow().Add(ttl);
            var token = await links.SignAsync(tenantId, port, expires);
            var url = $"{request.Scheme}://{request.Host}{request.PathBase}/tenants/{tenantId}/ports/{port}/?{ProxyLinks.QueryName}={token}";
            return Results.Ok(new LinkResponse(url, token, DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds())));
        })
        .Produces<LinkResponse>()
        .WithSummary("A signed, expiring URL to the tenant's port, for browsers (no key needed to follow it)")
        .RequireAuthorization(BerthPolicies.TenantWrite);

        // Routing matches ".../8080/" here too (a trailing slash is ignored): only the bare ".../8080" is redirected,
        // since an app's relative links would otherwise resolve one level up, outside the proxy.
        group.Map("", (HttpContext context, string tenantId, int port) => context.Request.Path.Value!.EndsWith('/')
                ? ProxyMetrics.CountAsync(context, ForwardAsync(context, tenantId, port, path: ""))
                : Results.Redirect($"{context.Request.PathBase}{context.Request.Path}/{context.Request.QueryString}", permanent: false, preserveMethod: true).ExecuteAsync(context))
            .AllowAnonymous()
            .WithMetadata(new ProxiedTraffic())
            .ExcludeFromDescription();

        group.Map("/{**path}", (HttpContext context, string tenantId, int port, string? path) => ProxyMetrics.CountAsync(context, ForwardAsync(context, tenantId, port, path ?? "")))
            .AllowAnonymous() // authorized inside: a signed link is accepted here and nowhere else
            .WithMetadata(new ProxiedTraffic())
            .WithSummary("Forward any request to the claimed container's declared port (WebSockets and SSE included)");
    }

    private static IResult? InvalidPort(int port) =>
        port is >= 1 and <= 65535 ? null : ProblemResults.BadRequest("port", "port must be 1-65535");

    private static async Task ForwardAsync(HttpContext context, string tenantId, int port, string path)
    {
        var services = context.RequestServices;
        var forwarder = services.GetRequiredService<IHttpForwarder>();
        var client = services.GetRequiredService<TenantProxyClient>();
        var links = services.GetRequiredService<ProxyLinks>();
        var authorization = services.GetRequiredService<IAuthorizationService>();
        var cluster = services.GetRequiredService<IClusterClient>();
        var retry = services.GetRequiredService<GrainCallRetry>();
        var options = services.GetRequiredService<IOptions<ProxyOptions>>();
        // The app's own 404s and empty bodies are its answer, not an unmatched Berth route.
        if (context.Features.Get<IStatusCodePagesFeature>() is { } pages) pages.Enabled = false;
        if ((TenantEndpoints.InvalidTenant(tenantId) ?? InvalidPort(port)) is { } invalid)
        {
            await invalid.ExecuteAsync(context);
            return;
        }
        var request = context.Request;
        var prefix = context.Items.ContainsKey(ProxyHostRouting.RoutedItem) ? "" : $"/tenants/{tenantId}/ports/{port}";

        if (await AuthorizeAsync(context, tenantId, port, prefix, links, authorization) is { } denied)
        {
            await denied.ExecuteAsync(context);
            return;
        }

        var workload = request.Headers[ProxyTarget.WorkloadHeader].ToString() is { Length: > 0 } named ? named : null;
        if (workload is not null && !ResourceIds.IsValidWorkloadId(workload))
        {
            await ProblemResults.BadRequest("workload", $"{ProxyTarget.WorkloadHeader} must match {ResourceIds.WorkloadIdPattern}").ExecuteAsync(context);
            return;
        }
        var (target, problem) = await ProxyTarget.ResolveAsync(tenantId, port, workload, cluster, retry);
        if (problem is not null)
        {
            await problem.ExecuteAsync(context);
            return;
        }

        services.GetRequiredService<TenantActivity>().Record(tenantId);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = options.Value.MaxRequestBodyBytes;
        }
        var authorizationWasBerths = context.User.Identity?.IsAuthenticated == true
            && request.Headers[ApiKeyAuthenticationHandler.HeaderName].Count == 0;
        var transformer = new TenantProxyTransformer(path.TrimStart('/'), prefix, authorizationWasBerths);
        // HTTP/1.1 to the container: cleartext HTTP/2 would need the app to speak it with prior knowledge.
        var config = new ForwarderRequestConfig
        {
            ActivityTimeout = options.Value.IdleTimeout,
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
        var error = await forwarder.SendAsync(context, target!.Destination, client.Invoker, config, transformer);
        if (error == ForwarderError.None) return;

        var failure = context.Features.Get<IForwarderErrorFeature>()?.Exception;
        var claim = target.Claim;
        var detail = $"container {claim.ContainerId?[..Math.Min(12, claim.ContainerId.Length)]} of workload '{claim.Workload}' on host '{claim.HostId}' " +
            $"(claim {claim.State.ToString().ToLowerInvariant()}) did not answer on port {port} ({target.Endpoint.Address}): {error}" +
            (failure is null ? "" : $": {failure.GetBaseException().Message}");
        services.GetRequiredService<ILoggerFactory>().CreateLogger("Berth.Gateway.Proxy").LogWarning("Proxy to tenant {Tenant} port {Port} failed: {Detail}", tenantId, port, detail);
        if (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await ProblemResults.Problem(StatusCodes.Status502BadGateway, detail, "port").ExecuteAsync(context);
        }
    }

    /// <summary>
    /// A signed link for this tenant's port (query parameter, then cookie), else the caller's key or
    /// token with write access to the tenant. Null when allowed; else the 401 or 403 to answer.
    /// </summary>
    private static async Task<IResult?> AuthorizeAsync(HttpContext context, string tenantId, int port, string prefix,
        ProxyLinks links, IAuthorizationService authorization)
    {
        var request = context.Request;
        var fromQuery = request.Query[ProxyLinks.QueryName].ToString();
        var token = fromQuery.Length > 0 ? fromQuery : request.Cookies[ProxyLinks.CookieName];
        string? linkProblem = null;
        if (!string.IsNullOrEmpty(token))
        {
            (linkProblem, var expires) = await links.CheckAsync(token, tenantId, port);
            if (linkProblem is null)
            {
                if (fromQuery.Length > 0)
                {
                    // The page's own requests (scripts, images, fetches) carry no query: the cookie lets them through.
                    context.Response.Cookies.Append(ProxyLinks.CookieName, token, new CookieOptions
                    {
                        Path = prefix + "/",
                        HttpOnly = true,
                        Secure = request.IsHttps,
                        SameSite = SameSiteMode.Lax,
                        Expires = expires,
                    });
                }
                return null;
            }
        }
        if (context.User.Identity?.IsAuthenticated != true)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"berth\"";
            return ProblemResults.Problem(StatusCodes.Status401Unauthorized,
                linkProblem ?? "an API key, a token or a signed link (POST /tenants/{tenantId}/ports/{port}/links) is required");
        }
        if (!(await authorization.AuthorizeAsync(context.User, context, BerthPolicies.TenantWrite)).Succeeded)
        {
            return ProblemResults.Problem(StatusCodes.Status403Forbidden, $"{BerthClaims.NameOf(context.User)} may not reach tenant '{tenantId}'s containers");
        }
        return null;
    }
}
