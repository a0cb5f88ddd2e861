using System.Text;
using System.Text.Json;

namespace Berth.Cli;

/// <summary>
/// The text diff <c>workloads apply</c> shows. The gateway keeps specs as JSON, not the YAML they came in, so the
/// registered spec is written out as YAML-like lines (snake_case keys, empty values left out) and compared line by
/// line with the file: a close, not exact, view of what changes; the gateway alone parses the file.
/// </summary>
public static class SpecDiff
{
    /// <summary>Longest inputs compared line by line; past this the diff is the whole old text against the whole new one.</summary>
    private const int MaxLines = 4000;

    private static readonly JsonSerializerOptions Quoting = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The spec as YAML-like text. Keys come in the order they first appear in <paramref name="orderOf"/> (the file's text, searched
    /// for <c>key:</c>; the rest after), so a diff against that file shows changes rather than reordering.
    /// </summary>
    public static string ToYaml(JsonElement spec, string? orderOf = null)
    {
        var text = new StringBuilder();
        Write(spec, 0, text, orderOf ?? "");
        return text.ToString();
    }

    private static int OrderOf(string key, string orderOf)
    {
        var at = orderOf.IndexOf(key + ":", StringComparison.Ordinal);
        return at < 0 ? int.MaxValue : at;
    }

    private static bool IsScalarList(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(i => i.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array));

    private static void Write(JsonElement value, int indent, StringBuilder text, string orderOf)
    {
        var pad = new string(' ', indent);
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject().Where(p => !IsEmpty(p.Value)).OrderBy(p => OrderOf(SnakeCase(p.Name), orderOf)))
                {
                    var key = SnakeCase(property.Name);
                    if (IsScalarList(property.Value))
                    {
                        // Short lists of scalars are written the way specs usually have them: ["sh", "-c", "…"].
                        text.Append(pad).Append(key).Append(": [").AppendJoin(", ", property.Value.EnumerateArray().Select(Flow)).Append("]\n");
                    }
                    else if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        text.Append(pad).Append(key).Append(":\n");
                        Write(property.Value, indent + 2, text, orderOf);
                    }
                    else
                    {
                        text.Append(pad).Append(key).Append(": ").Append(Scalar(property.Value)).Append('\n');
                    }
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                    {
                        var inner = new StringBuilder();
                        Write(item, indent + 2, inner, orderOf);
                        var lines = inner.ToString();
                        // "- " takes the place of the first line's indent.
                        text.Append(pad).Append("- ").Append(lines.AsSpan(Math.Min(lines.Length, indent + 2)));
                    }
                    else
                    {
                        text.Append(pad).Append("- ").Append(Scalar(item)).Append('\n');
                    }
                }
                break;
            default:
                text.Append(pad).Append(Scalar(value)).Append('\n');
                break;
        }
    }

    private static bool IsEmpty(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => true,
        JsonValueKind.Array => value.GetArrayLength() == 0,
        JsonValueKind.Object => !value.EnumerateObject().Any(p => !IsEmpty(p.Value)),
        _ => false,
    };

    private static string Scalar(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() is { } s && NeedsQuotes(s) ? JsonSerializer.Serialize(s, Quoting) : value.GetString()!,
        _ => value.GetRawText(),
    };

    private static string Flow(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? JsonSerializer.Serialize(value.GetString(), Quoting) : value.GetRawText();

    private static bool NeedsQuotes(string s) =>
        s.Length == 0 || s.Contains(": ") || (s.Contains(':') && char.IsDigit(s[0])) || s.Contains(" #") || s.EndsWith(':') || s.Any(c => c is '"' or '\'' or '\n') || "[]{},&*!|>%@`".Contains(s[0]) || s.Trim() != s
        || s is "true" or "false" or "null" || double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out _);

    private static string SnakeCase(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c))
            {
                if (text.Length > 0) text.Append('_');
                text.Append(char.ToLowerInvariant(c));
            }
            else text.Append(c);
        }
        return text.ToString();
    }

    /// <summary>A unified-style diff (<c>-</c> old, <c>+</c> new, <c> </c> both) of two texts; empty when they are the same lines.</summary>
    public static IReadOnlyList<string> Unified(string oldText, string newText, string oldName, string newName)
    {
        var a = Lines(oldText);
        var b = Lines(newText);
        if (a.SequenceEqual(b)) return [];
        var body = a.Length > MaxLines || b.Length > MaxLines
            ? a.Select(l => "-" + l).Concat(b.Select(l => "+" + l)).ToList()
            : Lcs(a, b);
        return [$"--- {oldName}", $"+++ {newName}", .. body];
    }

    private static string[] Lines(string text) =>
        text.Replace("\r\n", "\n").Split('\n').Select(l => l.TrimEnd()).Where(l => l.Length > 0 && !l.TrimStart().StartsWith('#')).ToArray();

    private static List<string> Lcs(string[] a, string[] b)
    {
        var lengths = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
        {
            for (var j = b.Length - 1; j >= 0; j--)
            {
                lengths[i, j] = a[i] == b[j] ? lengths[i + 1, j + 1] + 1 : Math.Max(lengths[i + 1, j], lengths[i, j + 1]);
            }
        }
        var lines = new List<string>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { lines.Add(" " + a[x]); x++; y++; }
            // On a tie the old line goes first, as unified diffs write a change.
            else if (x < a.Length && (y == b.Length || lengths[x + 1, y] >= lengths[x, y + 1])) lines.Add("-" + a[x++]);
            else lines.Add("+" + b[y++]);
        }
        return lines;
    }
}
