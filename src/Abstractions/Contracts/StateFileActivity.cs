namespace Berth.Contracts;

/// <summary>
/// When a file under a container's state directory last changed, as the container's own
/// <c>find</c> and <c>stat</c> report it. <see cref="Known"/> is false when the image cannot tell
/// (no find or stat): such a claim is never idle by its files.
/// </summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.StateFileActivity")]
public sealed record StateFileActivity(
    [property: Id(0)] bool Known,
    /// <summary>The newest modification time of any file; null when there is no file at all.</summary>
    [property: Id(1)] DateTimeOffset? NewestChange);
