namespace Berth.Tenants;

/// <summary>
/// One directory of a container that Berth syncs: <see cref="Save"/> when the mapping uploads,
/// <see cref="Restore"/> when it downloads, and <see cref="Accumulate"/> for mode <c>copy</c>, where
/// each snapshot adds to the previous one instead of replacing it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SyncedPath(
    [property: Id(0)] string Path,
    [property: Id(1)] bool Save,
    [property: Id(2)] bool Restore,
    [property: Id(3)] bool Accumulate);
