using System.Diagnostics;
using System.Diagnostics.Metrics;
using Berth.Contracts;
using Berth.Errors;

namespace Berth.Telemetry;

/// <summary>
/// Berth's own instruments (meter <see cref="MeterName"/>). Static, like the runtime's meters: the
/// grains that record them are created by Orleans, and an unobserved instrument costs nothing. The
/// hosts export them under Prometheus names (dots become underscores, the unit a suffix, counters
/// end in <c>_total</c>): <c>berth_claim_duration_seconds</c>, <c>berth_claims_total</c>, …
/// </summary>
public static class BerthMetrics
{
    public const string MeterName = "Berth";

    /// <summary>Traces of Berth's own steps (the hosts add it to the tracer when OTLP is on).</summary>
    public static readonly ActivitySource Activities = new(MeterName);

    internal static readonly Meter Meter = new(MeterName);

    // Warm claims take milliseconds, cold and queued ones seconds: the default buckets (0 … 10 000) fit neither.
    private static readonly double[] SecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

    private static readonly double[] BytesBuckets = [1024, 16_384, 262_144, 1_048_576, 16_777_216, 134_217_728, 1_073_741_824, 8_589_934_592];

    private static readonly Histogram<double> ClaimDuration = Meter.CreateHistogram("berth.claim.duration", "s",
        "Time a tenant grain took to answer a claim", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    private static readonly Counter<long> Claims = Meter.CreateCounter<long>("berth.claims", description: "Claims answered, by workload, source and outcome");

    private static readonly Counter<long> CreateFailures = Meter.CreateCounter<long>("berth.create.failures",
        description: "Container creates that failed, by workload, host and whose fault (workload: image or start; engine: Docker)");

    private static readonly Histogram<double> SnapshotSize = Meter.CreateHistogram("berth.snapshot", "By",
        "Content bytes of each snapshot taken", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = BytesBuckets });

    private static readonly Histogram<double> SnapshotDuration = Meter.CreateHistogram("berth.snapshot.duration", "s",
        "Time taking one snapshot took (archive, store, verify, record)", advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });

    /// <summary>One answered claim; <paramref name="failure"/> is null when it succeeded.</summary>
    public static void Claimed(string workload, ClaimSource? source, Exception? failure, TimeSpan elapsed)
    {
        var tags = new TagList
        {
            { "workload", workload },
            { "source", source is { } s ? Label(s.ToString()) : "none" },
            { "outcome", failure is null ? "ok" : Outcome(failure) },
        };
        ClaimDuration.Record(elapsed.TotalSeconds, tags);
        Claims.Add(1, tags);
    }

    public static void CreateFailed(string workload, string host, bool engineFault) =>
        CreateFailures.Add(1, new TagList { { "workload", workload }, { "host", host }, { "fault", engineFault ? "engine" : "workload" } });

    public static void Snapshotted(string workload, long bytes, TimeSpan elapsed)
    {
        var tags = new TagList { { "workload", workload } };
        SnapshotSize.Record(bytes, tags);
        SnapshotDuration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>A refusal by kind (<c>unavailable</c>, <c>quota_exceeded</c>, …); anything else is <c>error</c>.</summary>
    private static string Outcome(Exception failure) => failure is BerthException berth ? Label(berth.Kind.ToString()) : "error";

    /// <summary>PascalCase to snake_case, as Prometheus label values usually are.</summary>
    internal static string Label(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) ? (i > 0 ? "_" : "") + char.ToLowerInvariant(c) : c.ToString()));
}
