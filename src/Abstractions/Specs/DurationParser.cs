using System.Globalization;
using System.Text.RegularExpressions;

namespace Berth.Specs;

/// <summary>
/// Compose-style durations: <c>1m30s</c>, <c>500ms</c>, <c>2h</c>, <c>10s</c>. A bare number means
/// milliseconds, as Boilerhouse reads it (<c>timeout: 2000</c> is 2 s).
/// </summary>
public static partial class DurationParser
{
    /// <summary>Longer durations are refused: nothing in a spec needs them, and they overflow Docker's nanoseconds.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(365);

    [GeneratedRegex(@"^(?:(\d+(?:\.\d+)?)(h|m|s|ms|us|ns))+\z")]
    private static partial Regex WholeDuration();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)(h|ms|m|s|us|ns)")]
    private static partial Regex DurationPart();

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        text = text.Trim();
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds))
        {
            if (!double.IsFinite(milliseconds) || milliseconds < 0 || milliseconds > Max.TotalMilliseconds) return false;
            value = TimeSpan.FromMilliseconds(milliseconds);
            return true;
        }
        if (!WholeDuration().IsMatch(text)) return false;
        double totalMs = 0;
        foreach (Match part in DurationPart().Matches(text))
        {
            var n = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            totalMs += part.Groups[2].Value switch
            {
                "h" => n * 3_600_000,
                "m" => n * 60_000,
                "s" => n * 1_000,
                "ms" => n,
                "us" => n / 1_000,
                _ => n / 1_000_000,
            };
        }
        if (!double.IsFinite(totalMs) || totalMs > Max.TotalMilliseconds) return false;
        value = TimeSpan.FromMilliseconds(totalMs);
        return true;
    }
}
