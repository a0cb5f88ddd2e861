namespace Berth.Specs;

/// <summary>
/// A format-neutral document tree: YAML and JSON bodies are both read into it, so that one
/// reader validates either and names every bad field by its path.
/// </summary>
public abstract record SpecNode(string Path);

public sealed record SpecMap(string Path, IReadOnlyList<KeyValuePair<string, SpecNode>> Entries) : SpecNode(Path);

public sealed record SpecList(string Path, IReadOnlyList<SpecNode> Items) : SpecNode(Path);

/// <summary>A scalar as written; <see cref="Text"/> is null for an explicit null.</summary>
public sealed record SpecScalar(string Path, string? Text) : SpecNode(Path);
