using System.Diagnostics;
using System.Text.Json;

namespace Berth.Bench;

/// <summary>
/// Berth at scale on the in-memory runtime: many hosts, a few large workloads, every container
/// claimed by its own tenant. Shows whether claims slow down as the claimed count grows (the
/// pool's books must not grow with it), what a tenant costs the silo, and what one host's
/// reconciliation sweep costs once every container is claimed.
/// </summary>
public sealed class ScaleSimulation(GatewayClient gateway, string runId, Action<string> log, int? siloPid)
{
    public sealed record Result(
        int Hosts,
        int Workloads,
        int Tenants,
        double Seconds,
        double ClaimsPerSecond,
        double FirstTenthPerSecond,
        double LastTenthPerSecond,
        long Failures,
        double BytesPerTenant,
        double SweepP50Ms,
        double SweepMaxMs,
        int ClaimedInLargestPool);

    public async Task<Result> RunAsync(string[] hostIds, int workloads, int tenants, int concurrency)
    {
        var perWorkload = (tenants + workloads - 1) / workloads;
        var ids = Enumerable.Range(0, workloads).Select(i => $"big{i}-{runId}").ToArray();
        foreach (var id in ids)
        {
            // min_size keeps claims warm; the adaptive warm size adds what the claim rate needs.
            await gateway.PutWorkloadAsync(id, $"id: {id}\nimage: bench/memory:1\npool: {{ min_size: 200, max_size: {perWorkload}, max_warm: 1000, idle_timeout: 1h }}\n");
        }
        foreach (var id in ids) await gateway.WaitForIdleAsync(id, 200, TimeSpan.FromMinutes(5));
        await Task.Delay(2000);
        var rssBefore = siloPid is { } pid ? ControlPlane.Rss(pid) : 0;

        var done = new double[tenants];
        long next = -1, failures = 0;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            long i;
            while ((i = Interlocked.Increment(ref next)) < tenants)
            {
                var ok = false;
                for (var attempt = 0; attempt < 5 && !ok; attempt++)
                {
                    try
                    {
                        ok = (await gateway.ClaimAsync($"big{i}-{runId}", ids[i % workloads])).Ok;
                    }
                    catch (HttpRequestException)
                    {
                    }
                    if (!ok) await Task.Delay(200);
                }
                if (!ok) Interlocked.Increment(ref failures);
                done[i] = Stopwatch.GetElapsedTime(started).TotalSeconds;
                if (i > 0 && i % (tenants / 10) == 0) log($"  {i} of {tenants} tenants claimed, {i / done[i]:0} claims/s so far");
            }
        }));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var ordered = done.Order().ToArray();
        var tenth = Math.Max(1, tenants / 10);
        double RateBetween(int from, int to) => (to - from) / Math.Max(1e-6, ordered[to - 1] - ordered[from]);

        // Let two sweeps of every host run with everything claimed, then read what they cost.
        await Task.Delay(TimeSpan.FromSeconds(12));
        var sweeps = new List<double>();
        foreach (var hostId in hostIds)
        {
            using var response = await gateway.Http.GetAsync($"/hosts/{hostId}");
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            if (doc.RootElement.TryGetProperty("lastSweepMs", out var ms) && ms.ValueKind == JsonValueKind.Number) sweeps.Add(ms.GetDouble());
        }
        var claimed = 0;
        foreach (var id in ids)
        {
            using var response = await gateway.Http.GetAsync($"/pools/{id}");
            using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            claimed = Math.Max(claimed, doc.RootElement.GetProperty("claimed").GetInt32());
        }
        var rssAfter = siloPid is { } p ? ControlPlane.Rss(p) : 0;
        var sweepStats = LatencyStats.Of(sweeps);
        var result = new Result(hostIds.Length, workloads, tenants, seconds, tenants / seconds,
            RateBetween(0, tenth), RateBetween(tenants - tenth, tenants), failures,
            siloPid is null ? double.NaN : (rssAfter - rssBefore) / (double)tenants,
            sweepStats.P50, sweepStats.Max, claimed);
        log($"  {tenants} tenants over {workloads} workloads and {hostIds.Length} hosts in {seconds:0} s: {result.ClaimsPerSecond:0} claims/s "
            + $"(first tenth {result.FirstTenthPerSecond:0}/s, last tenth {result.LastTenthPerSecond:0}/s), {failures} failed; "
            + $"{result.BytesPerTenant:0} bytes per claimed tenant; one host's sweep p50 {sweepStats.P50:0.0} ms, max {sweepStats.Max:0.0} ms; largest pool {claimed} claimed");
        return result;
    }
}
