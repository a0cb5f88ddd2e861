using System.Diagnostics;

namespace Berth.Telemetry;

/// <summary>
/// Berth's spans on <see cref="BerthMetrics.Activities"/>: each Docker engine call (<c>docker.*</c>)
/// and the steps around them. Nothing is allocated unless a tracer listens (the source then returns null).
/// </summary>
public static class BerthSpans
{
    public const string Host = "berth.host";
    public const string Workload = "berth.workload";
    public const string Tenant = "berth.tenant";
    public const string Container = "berth.container";

    /// <summary>
    /// One engine call, <c>docker.{operation}</c>. Only inside a trace: the periodic sweep's calls
    /// would otherwise be a root span each, every few seconds per host. The workload is the one a
    /// Berth span above it in this process names.
    /// </summary>
    public static Activity? Docker(string operation, string host, string? containerId = null)
    {
        if (Activity.Current is null) return null;
        var span = BerthMetrics.Activities.StartActivity("docker." + operation, ActivityKind.Client);
        if (span is null) return null;
        span.SetTag(Host, host);
        if (containerId is not null) span.SetTag(Container, ShortId(containerId));
        if (InheritedWorkload(span.Parent) is { } workload) span.SetTag(Workload, workload);
        return span;
    }

    /// <summary>A Berth step (<c>berth.snapshot.save</c>, …) on a host, for a workload.</summary>
    public static Activity? Step(string name, string host, string workload, string? containerId = null)
    {
        var span = BerthMetrics.Activities.StartActivity(name);
        if (span is null) return null;
        span.SetTag(Host, host);
        span.SetTag(Workload, workload);
        if (containerId is not null) span.SetTag(Container, ShortId(containerId));
        return span;
    }

    /// <summary>
    /// For an exception filter (<c>catch (Exception ex) when (BerthSpans.Failed(span, ex))</c>): marks
    /// the span failed and lets the exception go on untouched.
    /// </summary>
    public static bool Failed(Activity? span, Exception exception)
    {
        if (span is not null)
        {
            span.SetStatus(ActivityStatusCode.Error, exception.Message);
            span.SetTag("error.type", exception.GetType().FullName);
        }
        return false;
    }

    /// <summary>Docker's short form, as <c>docker ps</c> shows it.</summary>
    public static string ShortId(string containerId) => containerId.Length > 12 ? containerId[..12] : containerId;

    private static string? InheritedWorkload(Activity? parent)
    {
        // Parent is null past a process boundary: the walk stays within this silo's own spans.
        for (var a = parent; a is not null; a = a.Parent)
        {
            if (a.GetTagItem(Workload) is string workload) return workload;
        }
        return null;
    }
}
