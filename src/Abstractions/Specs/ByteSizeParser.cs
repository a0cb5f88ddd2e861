using System.Globalization;
using System.Text.RegularExpressions;

namespace Berth.Specs;

/// <summary>
/// Docker-style sizes: <c>64m</c>, <c>1g</c>, <c>512MiB</c>. Units are powers of 1024. What a bare
/// number means is the caller's: bytes by default, megabytes for memory limits (as Boilerhouse reads them).
/// </summary>
public static partial class ByteSizeParser
{
    [GeneratedRegex(@"^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\z", RegexOptions.IgnoreCase)]
    private static partial Regex Size();

    public static bool TryParse(string text, out long bytes, long bareUnit = 1)
    {
        bytes = 0;
        var match = Size().Match(text.Trim());
        if (!match.Success) return false;
        var n = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        var factor = match.Groups[2].Value.ToLowerInvariant() switch
        {
            "k" => 1024d,
            "m" => 1024d * 1024,
            "g" => 1024d * 1024 * 1024,
            "t" => 1024d * 1024 * 1024 * 1024,
            _ => match.Groups[3].Success ? 1d : bareUnit,
        };
        var total = n * factor;
        if (total > long.MaxValue / 2) return false;
        bytes = (long)total;
        return true;
    }
}
