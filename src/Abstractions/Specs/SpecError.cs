namespace Berth.Specs;

/// <summary>One problem with a workload spec, located by its field path (e.g. <c>pool.max_size</c>).</summary>
[GenerateSerializer, Alias("Berth.Specs.SpecError"), Immutable]
public sealed record SpecError([property: Id(0)] string Path, [property: Id(1)] string Message)
{
    public override string ToString() => string.IsNullOrEmpty(Path) ? Message : $"{Path}: {Message}";
}
