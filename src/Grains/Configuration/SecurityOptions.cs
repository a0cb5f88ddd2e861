namespace Berth.Configuration;

/// <summary>Container hardening defaults and the administrator's allow list (section <c>Berth:Security</c>).</summary>
public sealed class SecurityOptions
{
    /// <summary>
    /// Options a workload spec may use although they weaken isolation: <c>privileged</c>,
    /// <c>network_mode:host</c>, <c>pid:host</c>, <c>ipc:host</c>, <c>cap_add:NAME</c>. Empty by default.
    /// </summary>
    public List<string> AllowedOptions { get; set; } = [];

    /// <summary>The user a container runs as when its spec names none: never root by default (nobody).</summary>
    public string DefaultUser { get; set; } = "65534:65534";

    /// <summary>Memory limit for a container whose spec sets none.</summary>
    public long DefaultMemoryBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>CPU limit for a container whose spec sets none.</summary>
    public double DefaultCpus { get; set; } = 1.0;

    /// <summary>
    /// Prefix of the bridge networks tenants' containers join (<c>network_mode: bridge</c>): one per
    /// egress policy and engine (<c>berth-tenants-public</c>, <c>berth-tenants-none</c>, …), created by
    /// Berth with inter-container traffic disabled, so one tenant cannot reach another.
    /// </summary>
    public string TenantNetwork { get; set; } = "berth-tenants";

    /// <summary>
    /// The IPv4 range stack members' own networks take their subnets from, a /27 each (at most
    /// 2,048 stack members per engine with the default /16). Chosen by Berth, skipping what the
    /// engine's networks and (for a local engine) this machine's routes already use.
    /// </summary>
    public string StackSubnets { get; set; } = Network.StackSubnets.DefaultRange;

    /// <summary>
    /// Place no tenant container on a host whose firewall Berth cannot manage (no rights, or an engine
    /// outside this silo's network namespace). Unset: required when Database:Provider is Postgres
    /// (production), not with the embedded single-node default, which logs a warning instead.
    /// </summary>
    public bool? RequireEgressPolicy { get; set; }

    /// <summary>
    /// Address ranges no tenant reaches whatever its allow list says, besides the silos and the
    /// database Berth finds itself: e.g. the gateways' addresses, a management network.
    /// </summary>
    public List<string> EgressDeny { get; set; } = [];
}
