using System.Diagnostics;

namespace Berth.Bench;

/// <summary>Runs an operation from several concurrent loops for a fixed time and counts what succeeded.</summary>
public static class LoadLoop
{
    public sealed record Result(long Succeeded, long Failed, double Seconds, List<double> Latencies)
    {
        public double PerSecond => Succeeded / Seconds;
    }

    public static async Task<Result> RunAsync(int concurrency, TimeSpan duration, Func<long, Task<bool>> operation, bool keepLatencies = false)
    {
        long next = 0, succeeded = 0, failed = 0;
        var latencies = new List<double>();
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            var mine = new List<double>();
            while (Stopwatch.GetElapsedTime(started) < duration)
            {
                var n = Interlocked.Increment(ref next);
                var t = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    ok = await operation(n);
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }
                if (keepLatencies) mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                if (ok) Interlocked.Increment(ref succeeded);
                else Interlocked.Increment(ref failed);
            }
            lock (latencies) latencies.AddRange(mine);
        }));
        return new Result(succeeded, failed, Stopwatch.GetElapsedTime(started).TotalSeconds, latencies);
    }
}
