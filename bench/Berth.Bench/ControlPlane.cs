namespace Berth.Bench;

/// <summary>
/// The control plane alone: a silo whose containers exist only in memory (Berth:ContainerRuntime=Memory),
/// so every number here is Orleans, storage and HTTP, never Docker.
/// </summary>
public sealed class ControlPlane(GatewayClient gateway, string runId, Action<string> log, int? siloPid, int? gatewayPid)
{
    /// <summary>CPU milliseconds each process spent per operation: where the time goes.</summary>
    public sealed record CpuSplit(double SiloMs, double GatewayMs, double ClientMs);

    public sealed record ClaimThroughput(double ClaimsPerSecond, long Claims, long Failures, LatencyStats Latency, CpuSplit? Cpu);

    private (double Silo, double Gateway, double Client) CpuNow() => (
        siloPid is { } s ? CpuSeconds(s) : double.NaN,
        gatewayPid is { } g ? CpuSeconds(g) : double.NaN,
        System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds);

    private CpuSplit Split((double Silo, double Gateway, double Client) before, long operations)
    {
        var after = CpuNow();
        double PerOp(double a, double b) => (a - b) * 1000 / Math.Max(1, operations);
        return new CpuSplit(PerOp(after.Silo, before.Silo), PerOp(after.Gateway, before.Gateway), PerOp(after.Client, before.Client));
    }

    /// <summary>User plus system CPU time of a process, from /proc (Linux; 100 ticks per second).</summary>
    public static double CpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
    }

    /// <summary>Claims of fresh tenants spread over several workloads, from many clients at once.</summary>
    public async Task<ClaimThroughput> ClaimsAsync(int workloads, int concurrency, TimeSpan duration, int minSize, int maxSize)
    {
        var ids = Enumerable.Range(0, workloads).Select(i => $"cp{i}-{runId}").ToArray();
        foreach (var id in ids)
        {
            await gateway.PutWorkloadAsync(id, $"id: {id}\nimage: bench/memory:1\npool: {{ min_size: {minSize}, max_size: {maxSize}, idle_timeout: 1h }}\n");
        }
        foreach (var id in ids) await gateway.WaitForIdleAsync(id, minSize, TimeSpan.FromMinutes(5));
        // Warm-up: JIT, connections, grain activations of the pools.
        await LoadLoop.RunAsync(concurrency, TimeSpan.FromSeconds(2), async n => (await gateway.ClaimAsync($"cw{n}-{runId}", ids[n % workloads])).Ok);
        var cpu = CpuNow();
        var result = await LoadLoop.RunAsync(concurrency, duration, async n => (await gateway.ClaimAsync($"cc{n}-{runId}", ids[n % workloads])).Ok, keepLatencies: true);
        var split = Split(cpu, result.Succeeded + result.Failed);
        log($"  control-plane claims: {result.PerSecond:0} /s ({result.Failed} failed); CPU ms per claim: silo {split.SiloMs:0.00}, gateway {split.GatewayMs:0.00}, client {split.ClientMs:0.00}");
        return new ClaimThroughput(result.PerSecond, result.Succeeded, result.Failed, LatencyStats.Of(result.Latencies), split);
    }

    /// <summary>Gateway status throughput, with the CPU each process spent per request.</summary>
    public async Task<(double PerSecond, CpuSplit Cpu)> GatewayStatusAsync(int concurrency, TimeSpan duration)
    {
        var cpu = CpuNow();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var rate = await StatusRateAsync(gateway.Http, concurrency, duration, runId);
        var operations = (long)(rate * System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        var split = Split(cpu, operations);
        log($"  gateway status: {rate:0} /s; CPU ms per request: silo {split.SiloMs:0.000}, gateway {split.GatewayMs:0.000}, client {split.ClientMs:0.000}");
        return (rate, split);
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
