using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Docker.DotNet;

namespace Berth.Bench;

/// <summary>
/// A claim that resumes the tenant's own paused container, next to a warm claim of a fresh member
/// and a bare Docker unpause of the same container, in the same run: what Berth adds on top of
/// the engine's unpause, and how a hot resume compares with a warm claim.
/// </summary>
public sealed class ResumeLatency(GatewayClient gateway, DockerClient docker, string image, string runId, Action<string> log)
{
    public sealed record Result(int Samples, LatencyStats Resume, LatencyStats WarmClaim, LatencyStats DockerUnpause)
    {
        public double ResumeToUnpause => Resume.P50 / DockerUnpause.P50;
        public double ResumeToWarm => Resume.P50 / WarmClaim.P50;
    }

    public async Task<Result> RunAsync(int samples)
    {
        var workload = $"bench-resume-{runId}";
        await gateway.PutWorkloadAsync(workload, $"""
            id: {workload}
            image: {image}
            command: ["sleep", "3600"]
            pool:
              min_size: 2
              max_size: 8
            """);
        var resume = new List<double>();
        var warm = new List<double>();
        var unpause = new List<double>();
        var tenant = $"bench-resume-{runId}";
        try
        {
            await gateway.WaitForIdleAsync(workload, 2, TimeSpan.FromMinutes(2));
            using var first = await gateway.Http.PostAsJsonAsync($"/tenants/{tenant}/claim", new { workload });
            first.EnsureSuccessStatusCode();
            using var doc = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
            var containerId = doc.RootElement.GetProperty("containerId").GetString()!;
            log($"resume: {samples} rounds of pause → claim (resume), Docker pause → unpause, and a warm claim");
            for (var i = 0; i < samples; i++)
            {
                await PostOkAsync($"/tenants/{tenant}/pause");
                var (ms, ok, status) = await gateway.ClaimAsync(tenant, workload);
                if (!ok) throw new InvalidOperationException($"resume claim answered {status}");
                resume.Add(ms);

                await docker.Containers.PauseContainerAsync(containerId);
                var started = Stopwatch.GetTimestamp();
                await docker.Containers.UnpauseContainerAsync(containerId);
                unpause.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

                await gateway.WaitForIdleAsync(workload, 1, TimeSpan.FromMinutes(1));
                var other = $"bench-warm-{runId}-{i}";
                var (warmMs, warmOk, warmStatus) = await gateway.ClaimAsync(other, workload);
                if (!warmOk) throw new InvalidOperationException($"warm claim answered {warmStatus}");
                warm.Add(warmMs);
                await gateway.ReleaseAsync(other, workload);
            }
            return new Result(samples, LatencyStats.Of(resume), LatencyStats.Of(warm), LatencyStats.Of(unpause));
        }
        finally
        {
            await gateway.ReleaseAsync(tenant, workload).ContinueWith(_ => { });
            await gateway.DeleteWorkloadAsync(workload);
        }
    }

    private async Task PostOkAsync(string path)
    {
        using var response = await gateway.Http.PostAsync(path, null);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
