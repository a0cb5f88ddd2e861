using Berth.Specs;

namespace Berth.Tenants;

/// <summary>The workload's lifecycle limits as they were when the claim was made (a later spec change applies to the next claim).</summary>
[GenerateSerializer, Immutable, Alias("Berth.Tenants.ClaimLifecycle")]
public sealed record ClaimLifecycle(
    [property: Id(0)] TimeSpan? IdleTimeout,
    [property: Id(1)] IdleAction OnIdle,
    [property: Id(2)] TimeSpan? FileIdleTtl,
    [property: Id(3)] TimeSpan? KeepReleased,
    [property: Id(4)] TimeSpan? PauseTimeout,
    [property: Id(5)] TimeSpan? MaxClaimDuration,
    /// <summary>What a start of a stopped container waits for.</summary>
    [property: Id(6)] HealthcheckSpec? Healthcheck,
    /// <summary>The state directory whose file changes count as activity (pool.file_idle_ttl).</summary>
    [property: Id(7)] string? StateTarget)
{
    public static ClaimLifecycle From(WorkloadSpec spec) => new(
        spec.Pool.ClaimIdleTimeout, spec.Pool.OnIdle, spec.Pool.FileIdleTtl, spec.Pool.KeepReleased,
        spec.Pool.PauseTimeout, spec.Pool.MaxClaimDuration, spec.Healthcheck, spec.Volumes.StateTarget);
}
