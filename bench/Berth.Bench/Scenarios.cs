using System.Diagnostics;

namespace Berth.Bench;

/// <summary>The claim scenarios against a gateway backed by a real engine; each returns raw samples.</summary>
public sealed class Scenarios(GatewayClient gateway, string image, string runId, Action<string> log)
{
    private static readonly TimeSpan FillLimit = TimeSpan.FromMinutes(5);

    private string Spec(string id, int min, int max) => $$"""
        id: {{id}}
        image: {{image}}
        command: ["sleep", "3600"]
        deploy: { resources: { limits: { memory: 16m, cpus: "1" } } }
        pool: { min_size: {{min}}, max_size: {{max}}, idle_timeout: 1h }
        """;

    private string NewWorkload(string what) => $"bench-{what}-{runId}";

    /// <summary>Has Berth make its tenant network (with its first member), which the baseline's containers join too.</summary>
    public async Task PrepareTenantNetworkAsync()
    {
        var workload = NewWorkload("net");
        await gateway.PutWorkloadAsync(workload, Spec(workload, 1, 1));
        await gateway.WaitForIdleAsync(workload, 1, FillLimit);
        await gateway.DeleteWorkloadAsync(workload);
    }

    private async Task ReleaseAllAsync(string workload, IEnumerable<string> tenants) =>
        await Parallel.ForEachAsync(tenants, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (t, _) => await gateway.ReleaseAsync(t, workload));

    /// <summary>
    /// Sequential claims while idle members are available: rounds × perRound samples. With
    /// <paramref name="refilling"/>, max_size leaves room, so every claim starts a background create
    /// (Docker competes for the CPU); without, the pool is at max_size and nothing else runs.
    /// </summary>
    public async Task<List<double>> WarmClaimsAsync(int rounds, int perRound, bool refilling)
    {
        var workload = NewWorkload(refilling ? "warmr" : "warm");
        await gateway.PutWorkloadAsync(workload, Spec(workload, perRound, refilling ? perRound * 2 : perRound));
        var samples = new List<double>();
        try
        {
            for (var round = -1; round < rounds; round++)
            {
                await gateway.WaitForIdleAsync(workload, perRound, FillLimit);
                // Let the refill of the previous round settle, so claims meet a quiet pool.
                await Task.Delay(1000);
                var tenants = new List<string>();
                for (var i = 0; i < perRound; i++)
                {
                    var tenant = $"w{round}-{i}-{runId}";
                    var (ms, ok, status) = await gateway.ClaimAsync(tenant, workload);
                    if (!ok) throw new InvalidOperationException($"warm claim failed: {status}");
                    tenants.Add(tenant);
                    if (round >= 0) samples.Add(ms); // round -1 warms up the JIT and connections
                }
                await ReleaseAllAsync(workload, tenants);
                if (round >= 0) log($"  warm round {round + 1}/{rounds}{(refilling ? " (refilling)" : "")}: p50 {LatencyStats.Of(samples.TakeLast(perRound).ToList()).P50:0.0} ms");
            }
        }
        finally
        {
            await gateway.DeleteWorkloadAsync(workload);
        }
        return samples;
    }

    /// <summary>Sequential claims on an empty pool below max_size: each one creates and starts its container.</summary>
    public async Task<List<double>> ColdClaimsAsync(int rounds, int perRound)
    {
        var workload = NewWorkload("cold");
        await gateway.PutWorkloadAsync(workload, Spec(workload, 0, perRound));
        var samples = new List<double>();
        try
        {
            for (var round = 0; round < rounds; round++)
            {
                var tenants = new List<string>();
                for (var i = 0; i < perRound; i++)
                {
                    var tenant = $"c{round}-{i}-{runId}";
                    var (ms, ok, status) = await gateway.ClaimAsync(tenant, workload);
                    if (!ok) throw new InvalidOperationException($"cold claim failed: {status}");
                    tenants.Add(tenant);
                    samples.Add(ms);
                }
                await ReleaseAllAsync(workload, tenants);
                log($"  cold round {round + 1}/{rounds}: p50 {LatencyStats.Of(samples.TakeLast(perRound).ToList()).P50:0.0} ms");
            }
        }
        finally
        {
            await gateway.DeleteWorkloadAsync(workload);
        }
        return samples;
    }

    public sealed record BurstResult(int Tenants, double Seconds, double ClaimsPerSecond, int Failures, List<double> Latencies);

    /// <summary>N tenants claim at once against a warm pool of N.</summary>
    public async Task<BurstResult> BurstAsync(int tenants)
    {
        var workload = NewWorkload("burst");
        await gateway.PutWorkloadAsync(workload, Spec(workload, tenants, tenants * 2));
        try
        {
            await gateway.WaitForIdleAsync(workload, tenants, FillLimit);
            await Task.Delay(2000);
            var names = Enumerable.Range(0, tenants).Select(i => $"b{i}-{runId}").ToList();
            var started = Stopwatch.GetTimestamp();
            var results = await Task.WhenAll(names.Select(t => gateway.ClaimAsync(t, workload)));
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            await ReleaseAllAsync(workload, names.Where((_, i) => results[i].Ok));
            return new BurstResult(tenants, seconds, results.Count(r => r.Ok) / seconds, results.Count(r => !r.Ok), [.. results.Select(r => r.Ms)]);
        }
        finally
        {
            await gateway.DeleteWorkloadAsync(workload);
        }
    }

    public sealed record DrainResult(int Claims, int Failures, List<double> Latencies, double Seconds);

    /// <summary>Claims arrive faster than the pool refills: a small warm pool, a large max_size, several clients at once.</summary>
    public async Task<DrainResult> DrainedPoolAsync(int claims, int concurrency, int minSize)
    {
        var workload = NewWorkload("drain");
        await gateway.PutWorkloadAsync(workload, Spec(workload, minSize, claims + minSize));
        try
        {
            await gateway.WaitForIdleAsync(workload, minSize, FillLimit);
            await Task.Delay(1000);
            var next = -1;
            var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
            var held = new System.Collections.Concurrent.ConcurrentBag<string>();
            var failures = 0;
            var started = Stopwatch.GetTimestamp();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < claims)
                {
                    var tenant = $"d{i}-{runId}";
                    var (ms, ok, _) = await gateway.ClaimAsync(tenant, workload);
                    latencies.Add(ms);
                    if (ok) held.Add(tenant);
                    else Interlocked.Increment(ref failures);
                }
            }));
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            await ReleaseAllAsync(workload, held);
            return new DrainResult(claims, failures, [.. latencies], seconds);
        }
        finally
        {
            await gateway.DeleteWorkloadAsync(workload);
        }
    }

    /// <summary>Containers per second while a new pool fills from 0 to min_size.</summary>
    public async Task<double> RefillAsync(int minSize)
    {
        var workload = NewWorkload($"refill{Guid.NewGuid():N}"[..20]);
        var started = Stopwatch.GetTimestamp();
        await gateway.PutWorkloadAsync(workload, Spec(workload, minSize, minSize));
        try
        {
            await gateway.WaitForIdleAsync(workload, minSize, FillLimit);
            return minSize / Stopwatch.GetElapsedTime(started).TotalSeconds;
        }
        finally
        {
            await gateway.DeleteWorkloadAsync(workload);
        }
    }
}
