namespace Berth.Contracts;

[GenerateSerializer, Alias("Berth.Contracts.PoolMemberView"), Immutable]
public sealed record PoolMemberView(
    [property: Id(0)] string MemberId,
    [property: Id(1)] string? ContainerId,
    [property: Id(2)] string HostId,
    [property: Id(3)] PoolMemberState State,
    [property: Id(4)] string? TenantId,
    [property: Id(5)] string SpecVersion,
    [property: Id(6)] DateTimeOffset CreatedAt,
    [property: Id(7)] double AgeSeconds);

/// <summary>
/// A workload pool's counts and members. <c>WarmTarget</c> is how many members it keeps idle or
/// coming now (min_size, or more for the observed <c>ClaimsPerSecond</c>, up to max_warm).
/// </summary>
[GenerateSerializer, Alias("Berth.Contracts.PoolView"), Immutable]
public sealed record PoolView(
    [property: Id(0)] string Workload,
    [property: Id(1)] string SpecVersion,
    [property: Id(2)] int MinSize,
    [property: Id(3)] int MaxSize,
    [property: Id(4)] int Idle,
    [property: Id(5)] int Claimed,
    [property: Id(6)] int Creating,
    [property: Id(7)] int Destroying,
    [property: Id(8)] PoolMemberView[] Members,
    [property: Id(9)] string? LastError,
    [property: Id(10)] int Lost,
    [property: Id(11)] int WarmTarget,
    [property: Id(12)] double ClaimsPerSecond);
