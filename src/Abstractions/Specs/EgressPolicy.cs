using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;

namespace Berth.Specs;

/// <summary>What a workload's containers may reach (<c>network.egress</c>); the default is <see cref="EgressMode.Public"/>.</summary>
public enum EgressMode
{
    /// <summary>The internet, but never the Docker host, private or shared ranges, link-local/metadata, other tenants or Berth.</summary>
    Public,

    /// <summary>Nothing but loopback (and replies to connections made to the container's own ports).</summary>
    None,
}

/// <summary>
/// A workload's egress policy: a mode plus an allow list that opens exact destinations on top of
/// it. Enforced by the host that runs the engine (see Berth.Network.EgressRules); a host that
/// cannot enforce it says so.
/// </summary>
[GenerateSerializer, Alias("Berth.Specs.EgressPolicy"), Immutable]
public sealed record EgressPolicy
{
    public static EgressPolicy Default { get; } = new();

    [Id(0)] public EgressMode Mode { get; init; } = EgressMode.Public;
    [Id(1)] public EgressAllowEntry[] Allow { get; init; } = [];

    /// <summary>One text per distinct policy, stable across processes: <c>public</c>, <c>none</c>, <c>none+10.1.2.3/32:5432,…</c>.</summary>
    [JsonIgnore]
    public string Canonical =>
        Allow.Length == 0 ? ModeText : $"{ModeText}+{string.Join(",", Allow.Select(a => a.ToString()).Order(StringComparer.Ordinal))}";

    /// <summary>A short name for the policy's network: <c>public</c>, <c>none</c>, or a hash of the allow list.</summary>
    [JsonIgnore]
    public string Key => Allow.Length == 0 ? ModeText : $"{ModeText}-{Hash(Canonical)}";

    private string ModeText => Mode == EgressMode.None ? "none" : "public";

    public bool Equals(EgressPolicy? other) => other is not null && Canonical == other.Canonical;

    public override int GetHashCode() => Canonical.GetHashCode(StringComparison.Ordinal);

    /// <summary>Eight hex digits of SHA-256: short enough for interface and network names.</summary>
    public static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..8];

    /// <summary>Reads <see cref="Canonical"/> back (from a network's label); null when it is not one.</summary>
    public static EgressPolicy? FromCanonical(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var plus = text.IndexOf('+');
        var modeText = plus < 0 ? text : text[..plus];
        EgressMode? mode = modeText switch { "public" => EgressMode.Public, "none" => EgressMode.None, _ => null };
        if (mode is null) return null;
        var allow = new List<EgressAllowEntry>();
        if (plus >= 0)
        {
            foreach (var item in text[(plus + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                if (EgressAllowEntry.TryParse(item, out var entry, out _)) allow.Add(entry!);
                else return null;
            }
        }
        return new EgressPolicy { Mode = mode.Value, Allow = [.. allow] };
    }
}
