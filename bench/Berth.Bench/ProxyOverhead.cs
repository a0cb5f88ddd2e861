using System.Net.Http.Json;
using System.Text.Json;

namespace Berth.Bench;

/// <summary>
/// One claimed web container, requested straight at its published port and through the gateway's
/// proxy, for the same time with the same concurrency in the same run: the proxy's cost as a ratio.
/// </summary>
public sealed class ProxyOverhead(GatewayClient gateway, string runId, Action<string> log)
{
    public sealed record Result(int Concurrency, double DirectPerSecond, double ProxiedPerSecond, LatencyStats Direct, LatencyStats Proxied, long DirectFailed, long ProxiedFailed)
    {
        public double ThroughputRatio => ProxiedPerSecond / DirectPerSecond;
    }

    public async Task<Result> RunAsync(string image, int concurrency, TimeSpan duration)
    {
        var workload = $"bench-proxy-{runId}";
        await gateway.PutWorkloadAsync(workload, $"""
            id: {workload}
            image: {image}
            ports: [8080]
            healthcheck:
              test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/"]
              interval: 1s
              timeout: 1s
              retries: 30
            pool:
              min_size: 1
              max_size: 2
            """);
        var tenant = $"bench-proxy-{runId}";
        try
        {
            await gateway.WaitForIdleAsync(workload, 1, TimeSpan.FromMinutes(2));
            using var claim = await gateway.Http.PostAsJsonAsync($"/tenants/{tenant}/claim", new { workload });
            claim.EnsureSuccessStatusCode();
            using var doc = JsonDocument.Parse(await claim.Content.ReadAsStringAsync());
            var address = doc.RootElement.GetProperty("endpoints")[0].GetProperty("address").GetString();
            using var direct = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = new Uri($"http://{address}") };
            Task<bool> Direct(long _) => OkAsync(direct, "/");
            Task<bool> Proxied(long _) => OkAsync(gateway.Http, $"/tenants/{tenant}/ports/8080/");
            log($"proxy: warm-up, then {duration.TotalSeconds:0} s each straight to {address} and through the gateway, {concurrency} at a time");
            await LoadLoop.RunAsync(concurrency, TimeSpan.FromSeconds(1), Direct);
            await LoadLoop.RunAsync(concurrency, TimeSpan.FromSeconds(1), Proxied);
            // Alternated halves, so a load change on the machine hits both sides alike.
            var half = duration / 2;
            var d1 = await LoadLoop.RunAsync(concurrency, half, Direct, keepLatencies: true);
            var p1 = await LoadLoop.RunAsync(concurrency, half, Proxied, keepLatencies: true);
            var d2 = await LoadLoop.RunAsync(concurrency, half, Direct, keepLatencies: true);
            var p2 = await LoadLoop.RunAsync(concurrency, half, Proxied, keepLatencies: true);
            return new Result(concurrency,
                (d1.Succeeded + d2.Succeeded) / (d1.Seconds + d2.Seconds),
                (p1.Succeeded + p2.Succeeded) / (p1.Seconds + p2.Seconds),
                LatencyStats.Of([.. d1.Latencies, .. d2.Latencies]),
                LatencyStats.Of([.. p1.Latencies, .. p2.Latencies]),
                d1.Failed + d2.Failed, p1.Failed + p2.Failed);
        }
        finally
        {
            await gateway.ReleaseAsync(tenant, workload).ContinueWith(_ => { });
            await gateway.DeleteWorkloadAsync(workload);
        }
    }

    private static async Task<bool> OkAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, HttpCompletionOption.ResponseContentRead);
        return response.IsSuccessStatusCode;
    }
}
