namespace Berth.Runtime;

/// <summary>A Docker network as a label listing finds it: its name and its labels.</summary>
public sealed record LabelledNetwork(string Name, IReadOnlyDictionary<string, string> Labels);
