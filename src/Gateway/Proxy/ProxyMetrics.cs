using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Berth.Gateway.Proxy;

/// <summary>
/// Counts the gateway's proxied requests by status class (<c>berth_proxy_requests_total</c>,
/// <c>berth_proxy_request_duration_seconds</c>). Labelled by class and method only: tenants and
/// paths would give a series per tenant.
/// </summary>
public static class ProxyMetrics
{
    /// <summary>The gateway's own meter; the silos' instruments are on meter <c>Berth</c>.</summary>
    public const string MeterName = "Berth.Gateway";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Requests = Meter.CreateCounter<long>("berth.proxy.requests",
        description: "Requests to tenants' ports, by status class (Berth's own refusals included: 401, 403, 404, 502)");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram("berth.proxy.request.duration", "s",
        "Time until a proxied response ended (streams and WebSockets count while open)",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30, 300] });

    public static async Task CountAsync(HttpContext context, Task forwarding)
    {
        var started = Stopwatch.GetTimestamp();
        var status = 500;
        try
        {
            await forwarding;
            status = context.Response.StatusCode;
        }
        finally
        {
            var tags = new TagList { { "status_class", $"{status / 100}xx" }, { "method", Method(context.Request.Method) } };
            Requests.Add(1, tags);
            Duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        }
    }

    /// <summary>Known methods as they are; any other is "other", so a client cannot mint series.</summary>
    private static string Method(string method) => HttpMethods.IsGet(method) ? "GET" : HttpMethods.IsPost(method) ? "POST"
        : HttpMethods.IsPut(method) ? "PUT" : HttpMethods.IsDelete(method) ? "DELETE" : HttpMethods.IsPatch(method) ? "PATCH"
        : HttpMethods.IsHead(method) ? "HEAD" : HttpMethods.IsOptions(method) ? "OPTIONS" : "other";
}
