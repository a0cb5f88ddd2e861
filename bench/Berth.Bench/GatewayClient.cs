using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Berth.Bench;

/// <summary>The few gateway calls the benchmark makes, over a real socket with an admin key.</summary>
public sealed class GatewayClient : IDisposable
{
    private readonly HttpClient _http;

    public GatewayClient(string baseUrl, string apiKey)
    {
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = new Uri(baseUrl),
            Timeout = TimeSpan.FromMinutes(5),
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    public HttpClient Http => _http;

    public async Task PutWorkloadAsync(string id, string yaml)
    {
        using var response = await _http.PutAsync($"/workloads/{id}", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"PUT /workloads/{id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    public async Task DeleteWorkloadAsync(string id)
    {
        using var _ = await _http.DeleteAsync($"/workloads/{id}");
    }

    /// <summary>Claims and returns (milliseconds, success, status code).</summary>
    public async Task<(double Ms, bool Ok, int Status)> ClaimAsync(string tenant, string workload)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await _http.PostAsJsonAsync($"/tenants/{tenant}/claim", new { workload });
        await response.Content.LoadIntoBufferAsync();
        return (Stopwatch.GetElapsedTime(started).TotalMilliseconds, response.IsSuccessStatusCode, (int)response.StatusCode);
    }

    public async Task ReleaseAsync(string tenant, string workload)
    {
        using var response = await _http.PostAsJsonAsync($"/tenants/{tenant}/release", new { workload });
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"release of {tenant}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    public async Task<int> IdleAsync(string workload)
    {
        using var response = await _http.GetAsync($"/pools/{workload}");
        if (!response.IsSuccessStatusCode) return 0;
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("idle").GetInt32();
    }

    /// <summary>Waits (bounded) until the pool has this many idle members; returns how long it took.</summary>
    public async Task<TimeSpan> WaitForIdleAsync(string workload, int idle, TimeSpan limit)
    {
        var started = Stopwatch.GetTimestamp();
        while (await IdleAsync(workload) < idle)
        {
            if (Stopwatch.GetElapsedTime(started) > limit)
            {
                throw new TimeoutException($"pool {workload} did not reach {idle} idle members within {limit}");
            }
            await Task.Delay(20);
        }
        return Stopwatch.GetElapsedTime(started);
    }

    public void Dispose() => _http.Dispose();
}
