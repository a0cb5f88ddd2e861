namespace Berth.Bench;

/// <summary>Everything one run measured, as written to JSON.</summary>
public sealed record BenchResults
{
    public required DateTimeOffset StartedAt { get; init; }
    public required string Command { get; init; }
    public required MachineInfo Machine { get; init; }
    public string LoadAtEnd { get; set; } = "";
    public required int Rounds { get; init; }
    public LatencyStats? BaselineCreateStart { get; set; }
    public double BaselineParallelPerSecond { get; set; }
    /// <summary>With members available and the pool at max_size: nothing else running.</summary>
    public LatencyStats? WarmClaim { get; set; }
    /// <summary>With members available while each claim starts a background create.</summary>
    public LatencyStats? WarmClaimRefilling { get; set; }
    public LatencyStats? ColdClaim { get; set; }
    public Scenarios.BurstResult? Burst { get; set; }
    public LatencyStats? BurstLatency { get; set; }
    public Scenarios.DrainResult? Drain { get; set; }
    public LatencyStats? DrainLatency { get; set; }
    public double RefillPerSecond { get; set; }
    public ControlPlane.ClaimThroughput? ControlPlaneClaims { get; set; }
    public double GatewayStatusPerSecond { get; set; }
    public ControlPlane.CpuSplit? GatewayStatusCpu { get; set; }
    public double BareKestrelPerSecond { get; set; }
    public ControlPlane.MemoryResult? Memory { get; set; }
    public ScaleSimulation.Result? Scale { get; set; }
    /// <summary>A web container straight at its port vs through the gateway's proxy.</summary>
    public ProxyOverhead.Result? Proxy { get; set; }
    /// <summary>A claim resuming the tenant's paused container vs a warm claim vs Docker's own unpause.</summary>
    public ResumeLatency.Result? Resume { get; set; }

    /// <summary>The targets, each with the measured value and whether it was met.</summary>
    public List<TargetCheck> Targets { get; } = [];
}

public sealed record TargetCheck(string Name, string Target, double Measured, bool Met);
