using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Berth.Network;

/// <summary>
/// Chooses the subnet of a stack member's own network from <c>Berth:Security:StackSubnets</c>.
/// Left to Docker, every network takes a /16 or /20 from its default pools, which hold about
/// thirty for the whole machine (engines sharing a machine see each other's bridges as routes):
/// a host would run out after some thirty stack members. A small subnet each from a range of
/// Berth's own lifts that to thousands.
/// </summary>
public static class StackSubnets
{
    /// <summary>Room for the most services a stack may have, the gateway, and the network and broadcast addresses.</summary>
    public const int PrefixLength = 27;

    /// <summary>The default range: a /16 of 10/8 that Docker's default pools never use.</summary>
    public const string DefaultRange = "10.213.0.0/16";

    /// <summary>
    /// The first subnet of <paramref name="range"/> that overlaps nothing in <paramref name="taken"/>,
    /// probing from a place derived from <paramref name="seed"/> (so concurrent creates of different
    /// members rarely try the same one); null when the range is full.
    /// </summary>
    public static IPNetwork? Choose(IPNetwork range, string seed, IReadOnlyCollection<IPNetwork> taken)
    {
        foreach (var candidate in Candidates(range, seed))
        {
            if (!taken.Any(t => Overlap(t, candidate))) return candidate;
        }
        return null;
    }

    /// <summary>Every /<see cref="PrefixLength"/> of <paramref name="range"/>, once, starting at <paramref name="seed"/>'s place.</summary>
    public static IEnumerable<IPNetwork> Candidates(IPNetwork range, string seed)
    {
        if (range.BaseAddress.AddressFamily != AddressFamily.InterNetwork || range.PrefixLength > PrefixLength)
        {
            throw new ArgumentException($"stack subnets need an IPv4 range of /{PrefixLength} or larger, not {range}", nameof(range));
        }
        var count = 1u << (PrefixLength - range.PrefixLength);
        var start = BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(seed))) % count;
        var first = ToUInt32(range.BaseAddress);
        for (var i = 0u; i < count; i++)
        {
            var index = (start + i) % count;
            yield return new IPNetwork(FromUInt32(first + (index << (32 - PrefixLength))), PrefixLength);
        }
    }

    /// <summary>The gateway Docker's bridge takes: the subnet's first host address.</summary>
    public static IPAddress Gateway(IPNetwork subnet) => FromUInt32(ToUInt32(subnet.BaseAddress) + 1);

    public static bool Overlap(IPNetwork a, IPNetwork b) =>
        a.BaseAddress.AddressFamily == b.BaseAddress.AddressFamily && (a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress));

    /// <summary>
    /// The IPv4 routes of this machine's main table (<c>/proc/net/route</c> text), default route
    /// excluded: the bridges of every engine on the machine, and the networks it is attached to.
    /// </summary>
    public static IReadOnlyList<IPNetwork> ParseRoutes(string procNetRoute)
    {
        var routes = new List<IPNetwork>();
        foreach (var line in procNetRoute.Split('\n').Skip(1))
        {
            var fields = line.Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length < 8
                || !uint.TryParse(fields[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var destination)
                || !uint.TryParse(fields[7], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var mask)
                || mask == 0)
            {
                continue;
            }
            // The kernel writes addresses in host (little-endian) order as hex.
            var prefix = System.Numerics.BitOperations.PopCount(mask);
            routes.Add(new IPNetwork(new IPAddress(BitConverter.GetBytes(destination & mask)), prefix));
        }
        return routes;
    }

    /// <summary>This machine's routes, or none where they cannot be read (not Linux, no procfs).</summary>
    public static IReadOnlyList<IPNetwork> HostRoutes()
    {
        try
        {
            return ParseRoutes(File.ReadAllText("/proc/net/route"));
        }
        catch (IOException)
        {
            return [];
        }
        catch (UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static uint ToUInt32(IPAddress address) => BinaryPrimitives.ReadUInt32BigEndian(address.GetAddressBytes());

    private static IPAddress FromUInt32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
