using Berth.Errors;

namespace Berth.State;

/// <summary>The configured sinks by name.</summary>
public sealed class SnapshotSinks(IEnumerable<ISnapshotSink> sinks)
{
    private readonly Dictionary<string, ISnapshotSink> _byName = sinks.ToDictionary(s => s.Name, StringComparer.Ordinal);

    public ISnapshotSink Get(string name) =>
        _byName.TryGetValue(name, out var sink)
            ? sink
            : throw new BerthException(BerthErrorKind.Unprocessable, $"snapshot sink '{name}' is not configured on this cluster", "sync.sink");
}
