using System.ComponentModel.DataAnnotations;

namespace Berth.Silo;

/// <summary>
/// Where this silo listens and which cluster it joins (section <c>Silo</c>); checked at start, each
/// error naming its setting.
/// </summary>
public sealed class SiloOptions
{
    public const string Section = "Silo";

    [Range(1, 65535, ErrorMessage = "Silo:SiloPort must be a port (1-65535)")]
    public int SiloPort { get; set; } = 11111;

    [Range(1, 65535, ErrorMessage = "Silo:GatewayPort must be a port (1-65535)")]
    public int GatewayPort { get; set; } = 30000;

    [Required(ErrorMessage = "Silo:ServiceId must not be empty")]
    public string ServiceId { get; set; } = "berth";

    /// <summary>The address other silos and gateways reach this silo on (PostgreSQL clustering); "auto" picks this host's IPv4 address.</summary>
    [CustomValidation(typeof(SiloOptions), nameof(CheckAddress))]
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Listen on every interface instead of only the advertised address (in containers).</summary>
    public bool ListenOnAnyAddress { get; set; }

    /// <summary>
    /// Port of this silo's Prometheus endpoint (<c>http://{MetricsAddress}:{MetricsPort}/metrics</c>,
    /// no key); 0 serves none. Off by default: several silos may share a machine, and each needs a port of its own.
    /// </summary>
    [Range(0, 65535, ErrorMessage = "Silo:MetricsPort must be a port (1-65535), or 0 for none")]
    public int MetricsPort { get; set; }

    /// <summary>Where the metrics endpoint listens: loopback unless a scraper elsewhere needs it (<c>*</c> for every interface).</summary>
    [Required(ErrorMessage = "Silo:MetricsAddress must not be empty")]
    public string MetricsAddress { get; set; } = "127.0.0.1";

    /// <summary>Directory of workload specs (*.yaml, *.yml, *.json) loaded at start-up; relative to the working directory.</summary>
    [Required(ErrorMessage = "Silo:WorkloadsDirectory must not be empty")]
    public string WorkloadsDirectory { get; set; } = "workloads";

    /// <summary>
    /// How the workloads directory is read at start (Maestro's pre-seeded modes): <c>auto</c> reads it
    /// when it exists, <c>always</c> requires it (a missing or unreadable directory stops the silo: a
    /// volume that failed to mount is not taken for "no workloads"), <c>never</c> skips it.
    /// </summary>
    public WorkloadsMode WorkloadsMode { get; set; } = WorkloadsMode.Auto;

    /// <summary>
    /// Retire a workload registered from a file of the directory when the file is gone (its pool takes
    /// no more claims and drains; the workload is deleted once its tenants release). Off by default:
    /// a file removed by mistake then only logs a warning.
    /// </summary>
    public bool WorkloadsPrune { get; set; }

    /// <summary>
    /// Run under Kubernetes (<c>Silo__Kubernetes=true</c>, set by deploy/kubernetes): the silo takes
    /// its pod's name and ties its membership to its pod (KubernetesHosting). Opt-in, not detected,
    /// so that a silo that merely happens to run in a pod keeps its old behaviour.
    /// </summary>
    public bool Kubernetes { get; set; }

    public static ValidationResult? CheckAddress(string? value) =>
        string.Equals(value, "auto", StringComparison.OrdinalIgnoreCase) || System.Net.IPAddress.TryParse(value, out _)
            ? ValidationResult.Success
            : new ValidationResult(AddressError(value));

    internal static string AddressError(string? value) => $"Silo:AdvertisedAddress must be an IP address or auto (is '{value}')";
}
