using Berth.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Berth.Silo;

/// <summary>
/// The silo's OpenTelemetry: Berth's and Orleans' meters on a Prometheus endpoint of its own
/// (<see cref="SiloOptions.MetricsPort"/>), and metrics and traces to an OTLP collector when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> names one. Neither set: nothing is collected at all.
/// </summary>
public static class SiloTelemetry
{
    /// <summary>The runtime's meter, and the activity sources it feeds once activity propagation is on.</summary>
    private const string OrleansMeter = "Microsoft.Orleans";
    private static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    public static bool OtlpEnabled(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

    public static void AddBerthSiloTelemetry(this IServiceCollection services, IConfiguration configuration, SiloOptions silo)
    {
        var otlp = OtlpEnabled(configuration);
        if (silo.MetricsPort == 0 && !otlp) return;
        var telemetry = services.AddOpenTelemetry().ConfigureResource(r => r.AddService("berth-silo"));
        telemetry.WithMetrics(metrics =>
        {
            metrics.AddMeter(BerthMetrics.MeterName, OrleansMeter);
            // An out-of-range port is left to the options' validation, which names the setting.
            if (silo.MetricsPort is > 0 and <= 65535)
            {
                metrics.AddPrometheusHttpListener(o =>
                {
                    o.Host = silo.MetricsAddress;
                    o.Port = silo.MetricsPort;
                });
            }
            if (otlp) metrics.AddOtlpExporter();
        });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing.AddSource([BerthMetrics.MeterName, .. OrleansSources]).AddOtlpExporter());
        }
    }
}
