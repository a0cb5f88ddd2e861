namespace Berth.Tenants;

/// <summary>
/// One path of a container that Berth syncs: <see cref="Save"/> when the mapping uploads,
/// <see cref="Restore"/> when it downloads, and <see cref="Accumulate"/> for mode <c>copy</c>, where
/// each snapshot adds to the previous one instead of replacing it. <see cref="Path"/> is inside the
/// container; <see cref="VolumeRoot"/> is the state volume it lies in, into which a restore writes
/// (creating the path when a fresh container lacks it). Null in claims recorded before mappings
/// were relative to the state volume: those restore into <see cref="Path"/> itself.
/// </summary>
[GenerateSerializer, Immutable, Alias("Berth.Tenants.SyncedPath")]
public sealed record SyncedPath(
    [property: Id(0)] string Path,
    [property: Id(1)] bool Save,
    [property: Id(2)] bool Restore,
    [property: Id(3)] bool Accumulate,
    [property: Id(4)] string? VolumeRoot = null,
    /// <summary>In a stack, the service whose container holds <see cref="Path"/>; null: the primary (the claim's container).</summary>
    [property: Id(5)] string? Service = null)
{
    /// <summary>What names this path's part in a snapshot: the path, prefixed by its service in a stack (two services may share a path).</summary>
    public string Key => Service is null ? Path : $"{Service}:{Path}";
}
