using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ScottPlot;

namespace Berth.Bench;

/// <summary>Prints the table, checks the targets, and writes the JSON and the chart.</summary>
public static class Report
{
    private static string Ms(double v) => double.IsNaN(v) ? "–" : v.ToString(v < 10 ? "0.00" : "0.0", CultureInfo.InvariantCulture);

    private static string N(double v, string format = "0.0") => double.IsNaN(v) ? "–" : v.ToString(format, CultureInfo.InvariantCulture);

    public static void CheckTargets(BenchResults r)
    {
        var baseP50 = r.BaselineCreateStart?.P50 ?? double.NaN;
        void Add(string name, string target, double measured, bool met) => r.Targets.Add(new TargetCheck(name, target, measured, met && !double.IsNaN(measured)));
        // The targets of issue #12 (a control plane that grows with tenants).
        if (r.WarmClaim is { } warm) Add("warm claim p99 / baseline create+start p50", "<= 1/30", warm.P99 / baseP50, warm.P99 / baseP50 <= 1.0 / 30);
        if (r.WarmClaimRefilling is { } refilling) Add("warm claim p99 while refilling / baseline p50", "<= 1/30", refilling.P99 / baseP50, refilling.P99 / baseP50 <= 1.0 / 30);
        if (r.ColdClaim is { } cold) Add("cold claim p50 / baseline create+start p50", "<= 1.2", cold.P50 / baseP50, cold.P50 / baseP50 <= 1.2);
        if (r.RefillPerSecond > 0) Add("refill / parallel baseline (containers/s)", ">= 0.9", r.RefillPerSecond / r.BaselineParallelPerSecond, r.RefillPerSecond / r.BaselineParallelPerSecond >= 0.9);
        if (r.Drain is { } drain) Add("failed claims, drained pool below max", "0", drain.Failures, drain.Failures == 0);
        if (r.DrainLatency is { } drained && r.ColdClaim is { } coldToo) Add("drained-pool claim p50 / cold claim p50", "<= 1.5", drained.P50 / coldToo.P50, drained.P50 / coldToo.P50 <= 1.5);
        if (r.ControlPlaneClaims is { } cp) Add("control-plane claims/s", ">= 5000", cp.ClaimsPerSecond, cp.ClaimsPerSecond >= 5000);
        if (r.BareKestrelPerSecond > 0) Add("gateway status / bare Kestrel (req/s)", ">= 0.5", r.GatewayStatusPerSecond / r.BareKestrelPerSecond, r.GatewayStatusPerSecond / r.BareKestrelPerSecond >= 0.5);
        if (r.Memory is { } memory) Add("bytes per idle tenant grain", "< 5120", memory.BytesPerTenant, memory.BytesPerTenant < 5120);
        if (r.Scale is { } scale)
        {
            // Claims must not slow down as the claimed count grows: the last tenth against the first.
            var ratio = scale.LastTenthPerSecond / scale.FirstTenthPerSecond;
            Add($"scale: claims/s of the last tenth / first tenth ({scale.Tenants} tenants)", ">= 0.8", ratio, ratio >= 0.8);
            Add("scale: failed claims", "0", scale.Failures, scale.Failures == 0);
        }
    }

    public static string Table(BenchResults r)
    {
        var baseP50 = r.BaselineCreateStart?.P50 ?? double.NaN;
        var text = new StringBuilder();
        text.AppendLine($"Berth benchmark, {r.StartedAt:u}, {r.Rounds} rounds");
        text.AppendLine($"Machine: {r.Machine.Cpu}, {r.Machine.Cores} cores, {r.Machine.Memory}; {r.Machine.Os}; {r.Machine.Runtime}; Docker {r.Machine.DockerVersion}");
        text.AppendLine($"Load average at start {r.Machine.LoadAtStart}, at end {r.LoadAtEnd}");
        text.AppendLine();
        text.AppendLine("| Measurement | n | p50 ms | p90 ms | p99 ms | max ms | throughput | ratio to baseline |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        void Row(string name, LatencyStats? s, string throughput, string ratio) =>
            text.AppendLine($"| {name} | {s?.Count.ToString(CultureInfo.InvariantCulture) ?? "–"} | {Ms(s?.P50 ?? double.NaN)} | {Ms(s?.P90 ?? double.NaN)} | {Ms(s?.P99 ?? double.NaN)} | {Ms(s?.Max ?? double.NaN)} | {throughput} | {ratio} |");
        Row("Baseline: Docker create+start, sequential", r.BaselineCreateStart, "–", "1");
        Row("Baseline: Docker create+start, 8 in parallel", null, $"{N(r.BaselineParallelPerSecond)} containers/s", "1");
        Row("Warm claim over HTTP", r.WarmClaim, "–", $"p50 {N((r.WarmClaim?.P50 ?? double.NaN) / baseP50, "0.000")}, p99 {N((r.WarmClaim?.P99 ?? double.NaN) / baseP50, "0.000")}");
        Row("Warm claim over HTTP, refill creating behind it", r.WarmClaimRefilling, "–", $"p50 {N((r.WarmClaimRefilling?.P50 ?? double.NaN) / baseP50, "0.000")}, p99 {N((r.WarmClaimRefilling?.P99 ?? double.NaN) / baseP50, "0.000")}");
        Row("Cold claim over HTTP", r.ColdClaim, "–", $"p50 {N((r.ColdClaim?.P50 ?? double.NaN) / baseP50, "0.00")}");
        if (r.Burst is { } burst) Row($"Burst: {burst.Tenants} tenants at once, warm pool of {burst.Tenants}", r.BurstLatency, $"{N(burst.ClaimsPerSecond)} claims/s; all served in {N(burst.Seconds, "0.00")} s; {burst.Failures} failed", "–");
        if (r.Drain is { } drain) Row($"Drained pool: {drain.Claims} claims faster than refill", r.DrainLatency, $"{N(drain.Claims / drain.Seconds)} claims/s; {drain.Failures} failed", "–");
        Row("Refill from 0 to min_size", null, $"{N(r.RefillPerSecond)} containers/s", N(r.RefillPerSecond / r.BaselineParallelPerSecond, "0.00"));
        if (r.ControlPlaneClaims is { } cp) Row("Control plane: claims, in-memory runtime", cp.Latency, $"{N(cp.ClaimsPerSecond, "0")} claims/s; {cp.Failures} failed", "–");
        Row("Control plane: GET status through the gateway", null, $"{N(r.GatewayStatusPerSecond, "0")} req/s", $"{N(r.GatewayStatusPerSecond / r.BareKestrelPerSecond, "0.00")} of bare Kestrel");
        Row("Bare Kestrel endpoint, same client", null, $"{N(r.BareKestrelPerSecond, "0")} req/s", "–");
        if (r.Proxy is { } proxy)
        {
            Row($"GET straight to the container's port, {proxy.Concurrency} at a time", proxy.Direct, $"{N(proxy.DirectPerSecond, "0")} req/s; {proxy.DirectFailed} failed", "1");
            Row($"GET through the gateway's proxy, {proxy.Concurrency} at a time", proxy.Proxied, $"{N(proxy.ProxiedPerSecond, "0")} req/s; {proxy.ProxiedFailed} failed",
                $"{N(proxy.ThroughputRatio, "0.00")} of direct req/s; p50 {N(proxy.Proxied.P50 / proxy.Direct.P50, "0.00")}×, p99 {N(proxy.Proxied.P99 / proxy.Direct.P99, "0.00")}×");
        }
        if (r.Resume is { } resume)
        {
            Row("Docker unpause of a paused container (Docker.DotNet)", resume.DockerUnpause, "–", "1");
            Row("Claim resuming the tenant's paused container, over HTTP", resume.Resume, "–",
                $"p50 {N(resume.ResumeToUnpause, "0.0")}× Docker unpause; {N(resume.ResumeToWarm, "0.00")}× a warm claim");
            Row("Warm claim of a fresh member, same run", resume.WarmClaim, "–", "–");
        }
        if (r.Memory is { } m) Row($"Memory: {m.Tenants} tenant grains active", null, $"silo RSS {m.RssBeforeBytes / 1048576.0:0} → {m.RssAfterBytes / 1048576.0:0} MiB", $"{N(m.BytesPerTenant, "0")} bytes/tenant");
        if (r.Scale is { } sc)
        {
            Row($"Scale: {sc.Tenants} tenants, {sc.Workloads} workloads, {sc.Hosts} hosts (in-memory runtime)", null,
                $"{N(sc.ClaimsPerSecond, "0")} claims/s (first tenth {N(sc.FirstTenthPerSecond, "0")}, last tenth {N(sc.LastTenthPerSecond, "0")}); {sc.Failures} failed",
                $"{N(sc.BytesPerTenant, "0")} bytes/claimed tenant; sweep of one host p50 {Ms(sc.SweepP50Ms)} ms, max {Ms(sc.SweepMaxMs)} ms; largest pool {sc.ClaimedInLargestPool} claimed");
        }
        if (r.ControlPlaneClaims?.Cpu is { } claimCpu)
        {
            text.AppendLine();
            text.AppendLine($"CPU per control-plane claim: silo {N(claimCpu.SiloMs, "0.00")} ms, gateway {N(claimCpu.GatewayMs, "0.00")} ms, load client {N(claimCpu.ClientMs, "0.00")} ms ({r.Machine.Cores} cores shared by all three).");
        }
        if (r.GatewayStatusCpu is { } statusCpu)
        {
            text.AppendLine($"CPU per status request: silo {N(statusCpu.SiloMs, "0.000")} ms, gateway {N(statusCpu.GatewayMs, "0.000")} ms, load client {N(statusCpu.ClientMs, "0.000")} ms.");
        }
        text.AppendLine();
        text.AppendLine("| Target | Wanted | Measured | Met |");
        text.AppendLine("| --- | --- | --- | --- |");
        foreach (var t in r.Targets) text.AppendLine($"| {t.Name} | {t.Target} | {N(t.Measured, "0.000")} | {(t.Met ? "yes" : "no")} |");
        return text.ToString();
    }

    public static async Task WriteAsync(BenchResults r, string directory)
    {
        Directory.CreateDirectory(directory);
        var json = JsonSerializer.Serialize(r, new JsonSerializerOptions
        {
            WriteIndented = true,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        });
        var stamp = r.StartedAt.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(Path.Combine(directory, $"bench-{stamp}.json"), json);
        await File.WriteAllTextAsync(Path.Combine(directory, "latest.json"), json);
        await File.WriteAllTextAsync(Path.Combine(directory, "latest.md"), Table(r));
        Chart(r, Path.Combine(directory, "latest.png"));
    }

    /// <summary>p50 and p99 of each latency measurement, on a log scale, next to Docker's own create+start.</summary>
    private static void Chart(BenchResults r, string path)
    {
        var rows = new (string Name, LatencyStats? Stats)[]
        {
            ("Docker create+start", r.BaselineCreateStart),
            ("Warm claim", r.WarmClaim),
            ("Warm, refilling", r.WarmClaimRefilling),
            ("Cold claim", r.ColdClaim),
            ("Burst claim", r.BurstLatency),
            ("Drained-pool claim", r.DrainLatency),
            ("Control-plane claim", r.ControlPlaneClaims?.Latency),
        }.Where(x => x.Stats is { Count: > 0 }).ToArray();
        var plot = new Plot();
        var bars = new List<Bar>();
        for (var i = 0; i < rows.Length; i++)
        {
            bars.Add(new Bar { Position = i * 3, Value = Math.Log10(Math.Max(0.1, rows[i].Stats!.P50)), FillColor = Colors.SteelBlue });
            bars.Add(new Bar { Position = i * 3 + 1, Value = Math.Log10(Math.Max(0.1, rows[i].Stats!.P99)), FillColor = Colors.Orange });
        }
        plot.Add.Bars(bars);
        plot.Axes.Bottom.SetTicks([.. rows.Select((_, i) => i * 3 + 0.5)], [.. rows.Select(x => x.Name)]);
        double[] decades = [-1, 0, 1, 2, 3, 4];
        plot.Axes.Left.SetTicks(decades, [.. decades.Select(d => Math.Pow(10, d).ToString("0.#", CultureInfo.InvariantCulture) + " ms")]);
        plot.Axes.Margins(bottom: 0);
        plot.Title($"Berth claim latency: p50 (blue) and p99 (orange), log scale — {r.Machine.Cores} cores, {r.StartedAt:yyyy-MM-dd}");
        plot.SavePng(path, 1100, 520);
    }
}
