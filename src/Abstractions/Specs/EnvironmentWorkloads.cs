using System.Globalization;
using System.Text;

namespace Berth.Specs;

/// <summary>One workload declared in the environment, or the reason it was refused (named by its variable).</summary>
/// <param name="AutoPortProtocol">
/// Set when the entry's port was blank or <c>0</c>: the silo allocates a container port for it once
/// (kept by the catalog, so it stays across restarts) and adds it, with <c>PORT</c> in the environment.
/// </param>
public sealed record EnvironmentWorkload(string Source, WorkloadSpec? Spec, IReadOnlyList<SpecError> Errors, string? AutoPortProtocol = null);

/// <summary>
/// Workloads declared in environment variables (Maestro's SERVICES / SVC_N_* / MAESTRO_KEY_SERVICE forms):
/// the compact <c>BERTH_WORKLOADS="image|port|name|user|cmd;…"</c>, the indexed <c>BERTH_WORKLOAD_COUNT</c>
/// with <c>BERTH_WORKLOAD_N_IMAGE</c>…, and per-workload overrides <c>BERTH_KEY_WORKLOAD</c>. Each entry is
/// turned into a document tree and validated by <see cref="WorkloadSpecParser"/>, so the rules are the
/// spec's own; errors are renamed to the variable that carried the bad value.
/// </summary>
public static class EnvironmentWorkloads
{
    public const string CompactVariable = "BERTH_WORKLOADS";
    public const string CountVariable = "BERTH_WORKLOAD_COUNT";
    /// <summary>Above this, a count is a typo rather than a deployment.</summary>
    public const int MaxCount = 1000;

    private static readonly string[] EntryFields = ["IMAGE", "PORT", "NAME", "USER", "CMD"];

    /// <summary>Override keys and the spec field each sets; scalar fields of <c>pool</c> plus the entry's own fields.</summary>
    private static readonly (string Key, string Path)[] OverrideKeys =
    [
        ("IMAGE", "image"), ("PORT", "ports[0]"), ("USER", "user"), ("CMD", "command"),
        ("MIN_SIZE", "pool.min_size"), ("MAX_SIZE", "pool.max_size"), ("MAX_WARM", "pool.max_warm"),
        ("IDLE_TIMEOUT", "pool.idle_timeout"), ("LOST_TIMEOUT", "pool.lost_timeout"),
        ("CLAIM_WAIT", "pool.claim_wait"), ("CLAIMS_PER_MINUTE", "pool.claims_per_minute"),
        ("CLAIM_IDLE_TIMEOUT", "pool.claim_idle_timeout"),
    ];

    /// <summary>Reads every declared workload, in declaration order: the compact form first, then the indexed one.</summary>
    public static IReadOnlyList<EnvironmentWorkload> Read(IReadOnlyDictionary<string, string?> environment)
    {
        var drafts = new List<Draft>();
        var result = new List<EnvironmentWorkload>();
        if (Value(environment, CompactVariable) is { } compact)
        {
            var entries = compact.Split(';');
            for (var i = 0; i < entries.Length; i++)
            {
                if (entries[i].Trim().Length == 0) continue; // a trailing ';' is not an entry
                var parts = entries[i].Split('|');
                var source = $"{CompactVariable} entry {i + 1}";
                if (parts.Length > EntryFields.Length)
                {
                    drafts.Add(new Draft(source) { Refusal = new SpecError(source, $"has {parts.Length} fields; the form is image|port|name|user|cmd") });
                    continue;
                }
                var draft = new Draft(source);
                for (var f = 0; f < EntryFields.Length; f++)
                {
                    draft.Set(EntryFields[f], f < parts.Length ? Blank(parts[f]) : null, $"{source} ({EntryFields[f].ToLowerInvariant()})");
                }
                drafts.Add(draft);
            }
        }
        if (Value(environment, CountVariable) is { } countText)
        {
            if (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count > MaxCount)
            {
                drafts.Add(new Draft(CountVariable) { Refusal = new SpecError(CountVariable, $"must be a whole number 0-{MaxCount}") });
            }
            else
            {
                for (var n = 1; n <= count; n++)
                {
                    var draft = new Draft($"BERTH_WORKLOAD_{n}");
                    foreach (var field in EntryFields)
                    {
                        var variable = $"BERTH_WORKLOAD_{n}_{field}";
                        draft.Set(field, Value(environment, variable), variable);
                    }
                    drafts.Add(draft);
                }
            }
        }

        var taken = new HashSet<string>(drafts.Select(d => d.Name).OfType<string>(), StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var draft in drafts)
        {
            if (draft.Refusal is { } refusal)
            {
                result.Add(new(draft.Source, null, [refusal]));
                continue;
            }
            if (draft.Name is null && draft.Image is { } image)
            {
                draft.Name = UniqueName(NameFromImage(image), taken);
                draft.SetPath("id", draft.Name, draft.Variables["image"]);
            }
            if (draft.Name is { } name && !seen.Add(name))
            {
                var variable = draft.Variables.GetValueOrDefault("id", draft.Source);
                result.Add(new(draft.Source, null, [new SpecError(variable, $"workload '{name}' is declared twice")]));
                continue;
            }
            if (draft.Name is { } key)
            {
                foreach (var (overrideKey, path) in OverrideKeys)
                {
                    var variable = $"BERTH_{overrideKey}_{OverrideSuffix(key)}";
                    if (Value(environment, variable) is { } value) draft.SetPath(path, value, variable);
                }
            }
            result.Add(Build(draft));
        }
        return result;
    }

    /// <summary>The suffix of a workload's override variables: upper case, <c>-</c> and <c>.</c> as <c>_</c>.</summary>
    public static string OverrideSuffix(string workload) =>
        workload.ToUpperInvariant().Replace('-', '_').Replace('.', '_');

    /// <summary>The last path segment of an image without its tag or digest, reduced to a workload id.</summary>
    public static string NameFromImage(string image)
    {
        var last = image.Split('@')[0].Split('/')[^1];
        var colon = last.IndexOf(':');
        if (colon >= 0) last = last[..colon];
        var name = new StringBuilder();
        foreach (var c in last.ToLowerInvariant())
        {
            name.Append(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '_' or '-' ? c : '-');
        }
        var text = name.ToString().TrimStart('.', '_', '-');
        if (text.Length == 0) text = "workload";
        return text.Length > 56 ? text[..56] : text; // room for a "-N" suffix
    }

    private static string UniqueName(string name, HashSet<string> taken)
    {
        var candidate = name;
        for (var n = 2; !taken.Add(candidate); n++) candidate = $"{name}-{n}";
        return candidate;
    }

    private static EnvironmentWorkload Build(Draft draft)
    {
        // Maestro's rule: a port left blank or given as 0 is chosen for the entry (by the silo, which keeps it).
        string? autoPort = null;
        var port = draft.Values.GetValueOrDefault("ports[0]");
        if (port is null || port.Split('/')[0].Trim() == "0")
        {
            autoPort = port?.Split('/') is [_, var protocol] ? protocol.Trim().ToLowerInvariant() : "tcp";
            // Any other protocol stays in the entry, for the parser to refuse naming its variable.
            if (autoPort is "tcp" or "udp") draft.Values.Remove("ports[0]");
            else autoPort = null;
        }
        var root = new List<KeyValuePair<string, SpecNode>>();
        var pool = new List<KeyValuePair<string, SpecNode>>();
        foreach (var (path, value) in draft.Values)
        {
            if (path.StartsWith("pool.", StringComparison.Ordinal)) pool.Add(new(path[5..], new SpecScalar(path, value)));
            else if (path == "ports[0]") root.Add(new("ports", new SpecList("ports", [new SpecScalar(path, value)])));
            else root.Add(new(path, new SpecScalar(path, value)));
        }
        if (pool.Count > 0) root.Add(new("pool", new SpecMap("pool", pool)));
        try
        {
            return new(draft.Source, WorkloadSpecParser.Parse(new SpecMap("", root)), [], autoPort);
        }
        catch (WorkloadSpecException ex)
        {
            return new(draft.Source, null, ex.Errors.Select(e => Rename(e, draft)).ToList());
        }
    }

    /// <summary>Names the variable that carried the bad value; a rule across fields keeps its path after the entry.</summary>
    private static SpecError Rename(SpecError error, Draft draft) =>
        draft.Variables.TryGetValue(error.Path, out var variable)
            ? new SpecError(variable, error.Message)
            : new SpecError(error.Path.Length == 0 ? draft.Source : $"{draft.Source} ({error.Path})", error.Message);

    private static string? Value(IReadOnlyDictionary<string, string?> environment, string name) =>
        environment.TryGetValue(name, out var value) ? Blank(value) : null;

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>One entry being assembled: spec paths to values, and the variable each came from.</summary>
    private sealed class Draft(string source)
    {
        public string Source { get; } = source;
        public string? Name { get; set; }
        /// <summary>Set when the entry could not even be read into fields.</summary>
        public SpecError? Refusal { get; init; }
        public string? Image => Values.GetValueOrDefault("image");
        public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Variables { get; } = new(StringComparer.Ordinal);

        public void Set(string field, string? value, string variable)
        {
            var path = field switch { "IMAGE" => "image", "PORT" => "ports[0]", "NAME" => "id", "USER" => "user", _ => "command" };
            Variables[path] = variable; // named even when blank, so "is required" points at it
            if (value is null) return; // blank: the image's own (user, cmd), an allocated port, a name from the image
            if (path == "id") Name = value;
            Values[path] = value;
        }

        public void SetPath(string path, string value, string variable)
        {
            Values[path] = value;
            Variables[path] = variable;
        }
    }
}
