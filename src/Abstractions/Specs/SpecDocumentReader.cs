using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Berth.Specs;

/// <summary>Reads a YAML or JSON document into a <see cref="SpecNode"/> tree.</summary>
public static class SpecDocumentReader
{
    public static SpecNode ReadYaml(string text)
    {
        var stream = new YamlStream();
        try
        {
            CheckShape(text);
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new WorkloadSpecException(new SpecError("", $"malformed YAML at line {ex.Start.Line}, column {ex.Start.Column}: {Innermost(ex).Message}"));
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            throw new WorkloadSpecException(new SpecError("", $"malformed YAML: {ex.Message}"));
        }

        if (stream.Documents.Count != 1)
        {
            throw new WorkloadSpecException(new SpecError("", stream.Documents.Count == 0
                ? "the document is empty"
                : "expected exactly one YAML document"));
        }
        return FromYaml(stream.Documents[0].RootNode, "");
    }

    /// <summary>The deepest nesting a spec may have; real specs need about five levels.</summary>
    public const int MaxDepth = 32;

    /// <summary>The most nodes a spec may have.</summary>
    public const int MaxNodes = 20_000;

    /// <summary>
    /// Walks the parser's events (no tree, no recursion) before the document is loaded, so that a
    /// hostile document cannot exhaust the stack by nesting or the CPU by aliases ("billion laughs").
    /// </summary>
    private static void CheckShape(string text)
    {
        var parser = new YamlDotNet.Core.Parser(new StringReader(text));
        int depth = 0, nodes = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case YamlDotNet.Core.Events.AnchorAlias alias:
                    throw new WorkloadSpecException(new SpecError("", $"aliases are not supported (line {alias.Start.Line})"));
                case YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart:
                    if (++depth > MaxDepth)
                    {
                        throw new WorkloadSpecException(new SpecError("", $"the document nests deeper than {MaxDepth} levels"));
                    }
                    nodes++;
                    break;
                case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                    depth--;
                    break;
                case YamlDotNet.Core.Events.Scalar:
                    nodes++;
                    break;
            }
            if (nodes > MaxNodes)
            {
                throw new WorkloadSpecException(new SpecError("", $"the document has more than {MaxNodes} values"));
            }
        }
    }

    public static SpecNode ReadJson(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = MaxDepth });
            return FromJson(doc.RootElement, "");
        }
        catch (JsonException ex)
        {
            throw new WorkloadSpecException(new SpecError("", $"malformed JSON at line {(ex.LineNumber ?? 0) + 1}: {ex.Message}"));
        }
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is { } inner ? Innermost(inner) : ex;

    private static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static SpecNode FromYaml(YamlNode node, string path)
    {
        switch (node)
        {
            case YamlScalarNode scalar:
                var isNull = scalar.Style == YamlDotNet.Core.ScalarStyle.Plain
                    && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";
                return new SpecScalar(path, isNull ? null : scalar.Value);
            case YamlSequenceNode seq:
                return new SpecList(path, seq.Children.Select((c, i) => FromYaml(c, $"{path}[{i}]")).ToList());
            case YamlMappingNode map:
                var entries = new List<KeyValuePair<string, SpecNode>>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var (keyNode, valueNode) in map.Children)
                {
                    if (keyNode is not YamlScalarNode { Value: { } key })
                    {
                        throw new WorkloadSpecException(new SpecError(path, "keys must be plain strings"));
                    }
                    if (!seen.Add(key))
                    {
                        throw new WorkloadSpecException(new SpecError(Child(path, key), "duplicate key"));
                    }
                    entries.Add(new(key, FromYaml(valueNode, Child(path, key))));
                }
                return new SpecMap(path, entries);
            default:
                throw new WorkloadSpecException(new SpecError(path, "aliases and tags are not supported"));
        }
    }

    private static SpecNode FromJson(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var entries = new List<KeyValuePair<string, SpecNode>>();
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    if (!seen.Add(property.Name))
                    {
                        throw new WorkloadSpecException(new SpecError(Child(path, property.Name), "duplicate key"));
                    }
                    entries.Add(new(property.Name, FromJson(property.Value, Child(path, property.Name))));
                }
                return new SpecMap(path, entries);
            case JsonValueKind.Array:
                return new SpecList(path, element.EnumerateArray().Select((c, i) => FromJson(c, $"{path}[{i}]")).ToList());
            case JsonValueKind.String:
                return new SpecScalar(path, element.GetString());
            case JsonValueKind.Null:
                return new SpecScalar(path, null);
            default:
                // Numbers and booleans keep their literal text; the reader converts by field type.
                return new SpecScalar(path, element.GetRawText());
        }
    }
}
