using Berth.Contracts;

namespace Berth.Events;

/// <summary>
/// The snake_case names the API, the SSE stream, webhooks and the event table use for
/// <see cref="BerthEventType"/> (<c>host_down</c>), fixed here so that renaming a member never
/// changes a stored or delivered name.
/// </summary>
public static class BerthEventNames
{
    private static readonly Dictionary<BerthEventType, string> Names = new()
    {
        [BerthEventType.Claimed] = "claimed",
        [BerthEventType.Resumed] = "resumed",
        [BerthEventType.Paused] = "paused",
        [BerthEventType.Stopped] = "stopped",
        [BerthEventType.Started] = "started",
        [BerthEventType.Lost] = "lost",
        [BerthEventType.Saved] = "saved",
        [BerthEventType.Released] = "released",
        [BerthEventType.Failed] = "failed",
        [BerthEventType.Expired] = "expired",
        [BerthEventType.HostDown] = "host_down",
    };

    private static readonly Dictionary<string, BerthEventType> Types =
        Names.ToDictionary(p => p.Value, p => p.Key, StringComparer.Ordinal);

    public static IReadOnlyCollection<string> All => Names.Values;

    public static string Of(BerthEventType type) =>
        Names.TryGetValue(type, out var name) ? name : throw new ArgumentOutOfRangeException(nameof(type), type, "no event name");

    public static bool TryParse(string? name, out BerthEventType type) => Types.TryGetValue(name ?? "", out type);

    /// <summary>A comma-separated list (<c>claimed,released</c>); false naming the first unknown entry.</summary>
    public static bool TryParseList(IEnumerable<string> names, out BerthEventType[] types, out string? unknown)
    {
        var result = new List<BerthEventType>();
        unknown = null;
        foreach (var name in names.SelectMany(n => n.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)))
        {
            if (!TryParse(name, out var type))
            {
                unknown = name;
                types = [];
                return false;
            }
            if (!result.Contains(type)) result.Add(type);
        }
        types = [.. result];
        return true;
    }
}
