using System.ComponentModel.DataAnnotations;

namespace Berth.Silo;

/// <summary>Where this silo listens and which cluster it joins (section <c>Silo</c>).</summary>
public sealed class SiloOptions
{
    public const string Section = "Silo";

    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;
    public string ServiceId { get; set; } = "berth";

    /// <summary>The address other silos and gateways reach this silo on (PostgreSQL clustering); "auto" picks this host's IPv4 address.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Listen on every interface instead of only the advertised address (in containers).</summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>
    /// Port of this silo's Prometheus endpoint (<c>http://{MetricsAddress}:{MetricsPort}/metrics</c>,
    /// no key); 0 serves none. Off by default: several silos may share a machine, and each needs a port of its own.
    /// </summary>
    [Range(0, 65535)]
    public int MetricsPort { get; set; }

    /// <summary>Where the metrics endpoint listens: loopback unless a scraper elsewhere needs it (<c>*</c> for every interface).</summary>
    [Required(AllowEmptyStrings = false)]
    public string MetricsAddress { get; set; } = "127.0.0.1";

    /// <summary>Directory of workload specs (*.yaml, *.yml, *.json) loaded at start-up; relative to the working directory.</summary>
    public string WorkloadsDirectory { get; set; } = "workloads";

    /// <summary>
    /// Run under Kubernetes (<c>Silo__Kubernetes=true</c>, set by deploy/kubernetes): the silo takes
    /// its pod's name and ties its membership to its pod (KubernetesHosting). Opt-in, not detected,
    /// so that a silo that merely happens to run in a pod keeps its old behaviour.
    /// </summary>
    public bool Kubernetes { get; set; }
}
