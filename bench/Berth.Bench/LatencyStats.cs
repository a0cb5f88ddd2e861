namespace Berth.Bench;

/// <summary>Percentiles of a set of latencies (nearest rank), in milliseconds.</summary>
public sealed record LatencyStats(int Count, double P50, double P90, double P99, double Max)
{
    public static LatencyStats Of(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0) return new LatencyStats(0, double.NaN, double.NaN, double.NaN, double.NaN);
        var sorted = samples.Order().ToArray();
        double At(double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
        return new LatencyStats(sorted.Length, At(0.50), At(0.90), At(0.99), sorted[^1]);
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
