using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Berth.Contracts;
using Berth.Specs;

namespace Berth.Hosts;

/// <summary>A service as the file wants it: its definition as written, and the fingerprints of the secrets it uses.</summary>
public sealed record HostStackDesired(HostStackService Service, string Definition, string Secrets)
{
    public static HostStackDesired Of(HostStackService service, IReadOnlyDictionary<string, string> secretFingerprints) =>
        new(service, HostStackPlan.Definition(service), HostStackPlan.SecretsLabel(secretFingerprints));

    /// <summary>The rendered definition's hash: the definition with each secret's fingerprint standing for its value.</summary>
    public string Hash => HostStackPlan.Hash(Definition, Secrets);
}

/// <summary>A service's container as Docker runs it, read back from its labels.</summary>
public sealed record HostStackRunning(string Service, string ContainerId, string? Definition, string? Secrets, string? Hash, string State);

/// <summary>
/// What applying a host stack does: each running service no longer in the file is removed, each
/// missing one created, each whose hash differs recreated, the rest left alone. Plain data in,
/// plan out: the host grain carries it out in this order (removals, then the file's services in
/// depends_on order).
/// </summary>
public static class HostStackPlan
{
    public const string Create = "create";
    public const string Update = "update";
    public const string Remove = "remove";
    public const string Unchanged = "unchanged";

    /// <summary>The fields of a definition that are maps: a diff names their keys (<c>environment.DB_URL</c>).</summary>
    private static readonly string[] MapFields = ["environment", "labels"];

    public static IReadOnlyList<HostStackChange> Compute(IReadOnlyList<HostStackDesired> desired, IReadOnlyList<HostStackRunning> running)
    {
        var wanted = desired.Select(d => d.Service.Name).ToHashSet(StringComparer.Ordinal);
        var current = running.GroupBy(r => r.Service, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var changes = new List<HostStackChange>();
        foreach (var gone in running.Where(r => !wanted.Contains(r.Service)).OrderBy(r => r.Service, StringComparer.Ordinal))
        {
            changes.Add(new HostStackChange(gone.Service, Remove, []));
        }
        foreach (var service in StartOrder(desired))
        {
            var name = service.Service.Name;
            if (!current.TryGetValue(name, out var now)) changes.Add(new HostStackChange(name, Create, []));
            else if (now.Hash == service.Hash) changes.Add(new HostStackChange(name, Unchanged, []));
            else changes.Add(new HostStackChange(name, Update, ChangedFields(now, service)));
        }
        return changes;
    }

    /// <summary>Dependencies first; among equals, the order the file writes them.</summary>
    public static IReadOnlyList<HostStackDesired> StartOrder(IReadOnlyList<HostStackDesired> desired)
    {
        var byName = desired.ToDictionary(d => d.Service.Name, StringComparer.Ordinal);
        var sorted = StackOrder.Sort([.. desired.Select(d => new ServiceSpec { Name = d.Service.Name, Image = d.Service.Image, DependsOn = d.Service.DependsOn })]);
        return [.. sorted.Select(s => byName[s.Name])];
    }

    /// <summary>Top-level fields that differ, map fields by key, and secrets by name whose value changed.</summary>
    private static string[] ChangedFields(HostStackRunning now, HostStackDesired wanted)
    {
        var fields = new List<string>();
        if (now.Definition is null || JsonNode.Parse(now.Definition) is not JsonObject before)
        {
            fields.Add("definition");
        }
        else
        {
            var after = JsonNode.Parse(wanted.Definition)!.AsObject();
            foreach (var key in before.Select(p => p.Key).Union(after.Select(p => p.Key)).Order(StringComparer.Ordinal))
            {
                var (a, b) = (before[key], after[key]);
                if (MapFields.Contains(key) && (a is JsonObject or null) && (b is JsonObject or null))
                {
                    var (x, y) = ((JsonObject?)a ?? [], (JsonObject?)b ?? []);
                    fields.AddRange(x.Select(p => p.Key).Union(y.Select(p => p.Key)).Order(StringComparer.Ordinal)
                        .Where(k => !JsonNode.DeepEquals(x[k], y[k])).Select(k => $"{key}.{k}"));
                }
                else if (!JsonNode.DeepEquals(a, b))
                {
                    fields.Add(key);
                }
            }
        }
        var (old, fresh) = (ParseSecrets(now.Secrets), ParseSecrets(wanted.Secrets));
        fields.AddRange(old.Keys.Union(fresh.Keys).Order(StringComparer.Ordinal)
            .Where(n => old.ContainsKey(n) && fresh.ContainsKey(n) && old[n] != fresh[n]).Select(n => $"secret:{n}"));
        // A label an older Berth wrote differently: the hash alone says it differs.
        if (fields.Count == 0) fields.Add("hash");
        return [.. fields];
    }

    /// <summary>The service as written (secrets still <c>${secret:NAME}</c>), as canonical JSON: keys sorted, so equal files give equal text.</summary>
    public static string Definition(HostStackService service)
    {
        var healthcheck = service.Healthcheck is { } hc
            ? new SortedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["test"] = hc.Test,
                ["interval"] = hc.Interval.TotalMilliseconds,
                ["timeout"] = hc.Timeout.TotalMilliseconds,
                ["retries"] = hc.Retries,
                ["start_period"] = hc.StartPeriod.TotalMilliseconds,
            }
            : null;
        var definition = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["image"] = service.Image,
            ["command"] = service.Command,
            ["environment"] = new SortedDictionary<string, string>(service.Environment, StringComparer.Ordinal),
            ["ports"] = service.Ports.Select(p => p.ToString()).ToArray(),
            ["user"] = service.User,
            ["restart"] = service.Restart,
            ["labels"] = new SortedDictionary<string, string>(service.Labels, StringComparer.Ordinal),
            ["healthcheck"] = healthcheck,
            ["depends_on"] = service.DependsOn.Select(d => d.Healthy ? $"{d.Service}:service_healthy" : d.Service).ToArray(),
        };
        return JsonSerializer.Serialize(definition);
    }

    /// <summary><c>NAME=fingerprint,...</c> sorted by name; empty without secrets.</summary>
    public static string SecretsLabel(IReadOnlyDictionary<string, string> fingerprints) =>
        string.Join(',', fingerprints.OrderBy(f => f.Key, StringComparer.Ordinal).Select(f => $"{f.Key}={f.Value}"));

    public static string Hash(string definition, string secrets) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{definition}\n{secrets}")))[..32];

    private static Dictionary<string, string> ParseSecrets(string? label) =>
        (label ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
}
