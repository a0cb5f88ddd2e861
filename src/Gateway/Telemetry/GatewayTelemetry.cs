using Berth.Gateway.Proxy;
using Berth.Gateway.Security;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Berth.Gateway.Telemetry;

/// <summary>
/// The gateway's OpenTelemetry: its proxy counters, ASP.NET Core's and the Orleans client's meters
/// on <c>GET /metrics</c>, and metrics and traces to an OTLP collector when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> names one.
/// </summary>
public static class GatewayTelemetry
{
    private const string OrleansMeter = "Microsoft.Orleans";
    private static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public static bool OtlpEnabled(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    public static IServiceCollection AddBerthGatewayTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = OtlpEnabled(configuration);
        var telemetry = services.AddOpenTelemetry().ConfigureResource(r => r.AddService("berth-gateway"));
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(ProxyMetrics.MeterName, OrleansMeter).AddAspNetCoreInstrumentation().AddPrometheusExporter();
            if (otlp) metrics.AddOtlpExporter();
        });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing.AddSource(OrleansSources).AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddOtlpExporter());
        }
        return services;
    }

    /// <summary>
    /// On the API's port, for operators (and admins) only: the series name workloads and hosts, and
    /// the port may face the internet. A Prometheus scrape job sends an operator key as its bearer token.
    /// </summary>
    public static void MapBerthMetrics(this IEndpointRouteBuilder app) =>
        app.MapPrometheusScrapingEndpoint("/metrics").RequireAuthorization(BerthPolicies.Operate);
}
