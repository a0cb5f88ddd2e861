namespace Berth.Contracts;

/// <summary>
/// Which snapshot a claim restored: its id and when it was taken. <see cref="Note"/> says why it
/// is not the tenant's newest state when Berth knows it is not (a lost container that could not
/// be read), so older data is never restored silently.
/// </summary>
[GenerateSerializer, Immutable, Alias("Berth.Contracts.RestoredSnapshot")]
public sealed record RestoredSnapshot(
    [property: Id(0)] string? SnapshotId,
    [property: Id(1)] DateTimeOffset? CreatedAt,
    [property: Id(2)] string? Note = null);
