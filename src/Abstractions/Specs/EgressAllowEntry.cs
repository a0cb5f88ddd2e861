using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Berth.Specs;

/// <summary>
/// One destination of <c>network.egress.allow</c>: an address range (<c>10.1.0.0/16</c>, <c>10.1.2.3</c>)
/// or a host name (<c>api.example.com</c>, resolved by the enforcing host), optionally with a port
/// (<c>10.1.2.3:5432</c>, <c>api.example.com:443</c>, <c>[fd00::1]:53</c>); a port opens TCP and UDP.
/// </summary>
[GenerateSerializer, Alias("Berth.Specs.EgressAllowEntry"), Immutable]
public sealed partial record EgressAllowEntry
{
    /// <summary>A normalised CIDR (<c>10.1.2.3/32</c>); null for a host name.</summary>
    [Id(0)] public string? Network { get; init; }
    [Id(1)] public string? HostName { get; init; }
    [Id(2)] public int? Port { get; init; }

    [GeneratedRegex(@"^(?=.{1,253}\z)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\z")]
    private static partial Regex HostNamePattern();

    public override string ToString()
    {
        var target = Network ?? HostName ?? "";
        if (Port is not { } port) return target;
        return target.Contains(':') ? $"[{target}]:{port}" : $"{target}:{port}";
    }

    /// <summary>Parses one entry; <paramref name="error"/> says what is wrong, for the field's 400.</summary>
    public static bool TryParse(string text, out EgressAllowEntry? entry, out string error)
    {
        entry = null;
        error = "";
        var target = text.Trim();
        int? port = null;
        // [v6]:port, or host:port / v4:port (one colon); a bare v6 address or range has several.
        if (target.StartsWith('['))
        {
            var close = target.IndexOf(']');
            if (close < 0 || close + 1 >= target.Length || target[close + 1] != ':' || !TryPort(target[(close + 2)..], out var p))
            {
                error = "must be [IPv6]:PORT when it starts with '['";
                return false;
            }
            port = p;
            target = target[1..close];
        }
        else if (target.Count(c => c == ':') == 1)
        {
            var colon = target.IndexOf(':');
            if (!TryPort(target[(colon + 1)..], out var p))
            {
                error = "has a port that is not 1-65535";
                return false;
            }
            port = p;
            target = target[..colon];
        }

        if (TryNetwork(target, out var network))
        {
            entry = new EgressAllowEntry { Network = network, Port = port };
            return true;
        }
        if (target.Contains('/') || target.Contains(':') || target.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            error = "is not a valid address or CIDR range";
            return false;
        }
        if (!HostNamePattern().IsMatch(target))
        {
            error = "must be a CIDR range, an address, HOST:PORT or a host name";
            return false;
        }
        entry = new EgressAllowEntry { HostName = target.ToLowerInvariant(), Port = port };
        return true;
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is >= 1 and <= 65535;

    private static bool TryNetwork(string text, out string network)
    {
        network = "";
        if (!text.Contains('/'))
        {
            if (!IPAddress.TryParse(text, out var address) || !LooksLikeAddress(text, address)) return false;
            network = $"{address}/{(address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128)}";
            return true;
        }
        if (!IPNetwork.TryParse(text, out var range)) return false;
        network = range.ToString();
        return true;
    }

    /// <summary>IPAddress.TryParse accepts "1" or "1.2" as IPv4; only full dotted quads or IPv6 count here.</summary>
    private static bool LooksLikeAddress(string text, IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 || text.Count(c => c == '.') == 3;
}
