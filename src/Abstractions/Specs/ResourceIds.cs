using System.Text.RegularExpressions;

namespace Berth.Specs;

/// <summary>The shapes of the ids that reach Docker names, labels and grain keys.</summary>
public static partial class ResourceIds
{
    public const string TenantIdPattern = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";
    public const string WorkloadIdPattern = "[a-z0-9][a-z0-9._-]{0,62}";

    public const string SecretNamePattern = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

    [GeneratedRegex(@"^" + SecretNamePattern + @"\z")]
    private static partial Regex Secret();

    public static bool IsValidSecretName(string? name) => name is not null && Secret().IsMatch(name);

    [GeneratedRegex(@"^" + TenantIdPattern + @"\z")]
    private static partial Regex Tenant();

    [GeneratedRegex(@"^" + WorkloadIdPattern + @"\z")]
    private static partial Regex Workload();

    public static bool IsValidTenantId(string? id) => id is not null && Tenant().IsMatch(id);

    public static bool IsValidWorkloadId(string? id) => id is not null && Workload().IsMatch(id);

    /// <summary>Host ids follow the workload id rules (they become Docker label values and URL segments).</summary>
    public const string HostIdPattern = WorkloadIdPattern;

    public static bool IsValidHostId(string? id) => IsValidWorkloadId(id);

    /// <summary>Host labels (and a workload's placement.labels): letters, digits, '.', '_', '-', '/', at most 63.</summary>
    public const string LabelNamePattern = "[A-Za-z0-9][A-Za-z0-9._/-]{0,62}";

    [GeneratedRegex(@"^" + LabelNamePattern + @"\z")]
    private static partial Regex LabelName();

    public static bool IsValidLabelName(string? name) => name is not null && LabelName().IsMatch(name);
}
