namespace Berth.Specs;

/// <summary>
/// The bounds of a pool's sizes, shared by the spec parser (<c>pool.min_size</c>, <c>pool.max_size</c>)
/// and by a resize over the API, so that both refuse the same sizes.
/// </summary>
public static class PoolSizeRules
{
    public const int MaxPoolSize = 100_000;
    public const int MaxWarmSize = 1000;

    /// <summary>
    /// The first rule the sizes break, as (the field, why), fields named as the caller calls them;
    /// null when they fit. <paramref name="maxWarm"/> is the spec's pool.max_warm.
    /// </summary>
    public static (string Field, string Message)? Violation(int minSize, int maxSize, int? maxWarm, string minField = "min_size", string maxField = "max_size")
    {
        if (minSize is < 0 or > MaxWarmSize) return (minField, $"{minField} must be from 0 to {MaxWarmSize}");
        if (maxSize is < 1 or > MaxPoolSize) return (maxField, $"{maxField} must be from 1 to {MaxPoolSize}");
        if (maxSize < minSize) return (maxField, $"{maxField} must be ≥ {minField}");
        if (maxWarm < minSize) return (minField, $"{minField} must be ≤ pool.max_warm ({maxWarm})");
        if (maxWarm > maxSize) return (maxField, $"{maxField} must be ≥ pool.max_warm ({maxWarm})");
        return null;
    }
}
