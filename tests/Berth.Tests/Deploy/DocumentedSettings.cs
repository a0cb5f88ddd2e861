using System.Text.RegularExpressions;

namespace Berth.Tests.Deploy;

/// <summary>
/// The setting names README.md's Configuration table documents, read from the first cell of each
/// row. A row may name several: <c>`Silo__Agent__HostId`, `__Endpoint`</c> means
/// <c>Silo__Agent__Endpoint</c> too (a leading <c>__</c> replaces the first name's last segment).
/// In a name, the segments <c>N</c>, <c>KEY</c> and <c>NAME</c> stand for any one segment and
/// <c>*</c> for any rest; <c>:</c> and <c>__</c> are the same separator, and case does not matter,
/// as in .NET configuration.
/// </summary>
public sealed partial class DocumentedSettings
{
    private static readonly HashSet<string> AnySegment = ["N", "KEY", "NAME"];

    private readonly List<string[]> _patterns;

    private DocumentedSettings(List<string[]> patterns) => _patterns = patterns;

    public int Count => _patterns.Count;

    public static DocumentedSettings FromReadme(string readmeText)
    {
        var heading = ConfigurationHeading().Match(readmeText);
        if (!heading.Success) throw new InvalidOperationException("README.md has no '## Configuration' section");
        var start = heading.Index + heading.Length;
        var end = readmeText.IndexOf("\n## ", start, StringComparison.Ordinal);
        var section = end < 0 ? readmeText[start..] : readmeText[start..end];

        var patterns = new List<string[]>();
        foreach (var line in section.Split('\n'))
        {
            if (!line.StartsWith("| `", StringComparison.Ordinal)) continue;
            var firstCell = line.Split('|', StringSplitOptions.RemoveEmptyEntries)[0];
            string[]? first = null;
            foreach (Match token in BacktickedName().Matches(firstCell))
            {
                var name = token.Groups[1].Value;
                if (first is not null && name.StartsWith("__", StringComparison.Ordinal))
                    patterns.Add([.. first[..^1], .. Segments(name[2..])]);
                else
                {
                    first = Segments(name);
                    patterns.Add(first);
                }
            }
        }
        return new DocumentedSettings(patterns);
    }

    public bool Documents(string environmentVariable)
    {
        var segments = Segments(environmentVariable);
        return _patterns.Exists(p => Matches(p, segments));
    }

    private static bool Matches(string[] pattern, string[] name)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == "*") return name.Length > i;
            if (i >= name.Length) return false;
            if (AnySegment.Contains(pattern[i])) continue;
            if (!string.Equals(pattern[i], name[i], StringComparison.OrdinalIgnoreCase)) return false;
        }
        return pattern.Length == name.Length;
    }

    private static string[] Segments(string name) => name.Replace(":", "__", StringComparison.Ordinal).Split("__");

    [GeneratedRegex(@"^## Configuration[ \t]*\r?$", RegexOptions.Multiline)]
    private static partial Regex ConfigurationHeading();

    [GeneratedRegex("`([A-Za-z_][A-Za-z0-9_:*]*)`")]
    private static partial Regex BacktickedName();
}
