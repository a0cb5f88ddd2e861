namespace Berth.Bench;

/// <summary>
/// The control plane alone: a silo whose containers exist only in memory (Berth:ContainerRuntime=Memory),
/// so every number here is Orleans, storage and HTTP, never Docker.
/// </summary>
public sealed class ControlPlane(GatewayClient gateway, string runId, Action<string> log)
{
    public sealed record ClaimThroughput(double ClaimsPerSecond, long Claims, long Failures, LatencyStats Latency);

    /// <summary>Claims of fresh tenants spread over several workloads, from many clients at once.</summary>
    public async Task<ClaimThroughput> ClaimsAsync(int workloads, int concurrency, TimeSpan duration)
    {
        var ids = Enumerable.Range(0, workloads).Select(i => $"cp{i}-{runId}").ToArray();
        foreach (var id in ids)
        {
            await gateway.PutWorkloadAsync(id, $"id: {id}\nimage: bench/memory:1\npool: {{ min_size: 200, max_size: 100000, idle_timeout: 1h }}\n");
        }
        foreach (var id in ids) await gateway.WaitForIdleAsync(id, 200, TimeSpan.FromMinutes(2));
        // Warm-up: JIT, connections, grain activations of the pools.
        await LoadLoop.RunAsync(concurrency, TimeSpan.FromSeconds(2), async n => (await gateway.ClaimAsync($"cw{n}-{runId}", ids[n % workloads])).Ok);
        var result = await LoadLoop.RunAsync(concurrency, duration, async n => (await gateway.ClaimAsync($"cc{n}-{runId}", ids[n % workloads])).Ok, keepLatencies: true);
        log($"  control-plane claims: {result.PerSecond:0} /s ({result.Failed} failed)");
        return new ClaimThroughput(result.PerSecond, result.Succeeded, result.Failed, LatencyStats.Of(result.Latencies));
    }

    /// <summary>Status requests per second against <paramref name="client"/>, for tenants that exist.</summary>
    public static async Task<double> StatusRateAsync(HttpClient client, int concurrency, TimeSpan duration, string runId)
    {
        async Task<bool> Once(long n)
        {
            using var response = await client.GetAsync($"/tenants/cc{n % 1000}-{runId}/status");
            await response.Content.LoadIntoBufferAsync();
            return response.IsSuccessStatusCode;
        }
        await LoadLoop.RunAsync(concurrency, TimeSpan.FromSeconds(2), Once);
        var result = await LoadLoop.RunAsync(concurrency, duration, Once);
        return result.Failed > result.Succeeded / 100 ? double.NaN : result.PerSecond;
    }

    public sealed record MemoryResult(int Tenants, long RssBeforeBytes, long RssAfterBytes, double BytesPerTenant);

    /// <summary>Activates <paramref name="tenants"/> tenant grains (a status read each) and compares the silo's resident memory.</summary>
    public async Task<MemoryResult> MemoryAsync(int siloPid, int tenants, int concurrency)
    {
        await Task.Delay(3000);
        var before = Rss(siloPid);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < tenants)
            {
                using var response = await gateway.Http.GetAsync($"/tenants/idle{i}-{runId}/status");
                response.EnsureSuccessStatusCode();
            }
        }));
        // Let the silo's collector settle before reading again (activations stay: the default collection age is far longer).
        await Task.Delay(5000);
        var after = Rss(siloPid);
        return new MemoryResult(tenants, before, after, (after - before) / (double)tenants);
    }

    /// <summary>Resident set size of a process, from /proc (Linux).</summary>
    public static long Rss(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
    }
}
