namespace Berth.Gateway;

/// <summary>How the gateway reaches the cluster (section <c>Gateway</c>).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>The silo gateway ports to connect to on localhost; empty means 30000.</summary>
    public int[] SiloGatewayPorts { get; set; } = [];

    public int[] EffectiveSiloGatewayPorts => SiloGatewayPorts.Length > 0 ? SiloGatewayPorts : [30000];
    public string ServiceId { get; set; } = "berth";
    public string ClusterId { get; set; } = "berth-local";

    /// <summary>How long the gateway keeps trying to reach a silo at start-up.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How long one grain call may take before the gateway retries it. Short, so that a request
    /// caught on a silo that died is retried on a live one quickly; every call is idempotent, and
    /// a slow cold claim answered by a retry still returns the one container being made.
    /// </summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Total time the gateway keeps retrying one request before answering 503.</summary>
    public TimeSpan RetryBudget { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Largest request body of any kind; endpoints set tighter limits of their own.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    public Security.RateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Largest accepted workload spec body.</summary>
    public long MaxSpecBytes { get; set; } = 256 * 1024;
}
