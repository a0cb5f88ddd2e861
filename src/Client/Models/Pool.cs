namespace Berth.Client.Models;

/// <summary>A pool's counts and members (<c>GET /pools</c>).</summary>
public sealed record Pool(string Workload, string SpecVersion, int MinSize, int MaxSize, int Idle, int Claimed, int Creating, int Destroying,
    PoolMember[] Members, string? LastError, int Lost, int WarmTarget, double ClaimsPerSecond);

/// <summary>One container of a pool; <see cref="State"/> is creating, idle, claimed, destroying or lost.</summary>
public sealed record PoolMember(string MemberId, string? ContainerId, string HostId, string State, string? TenantId, string SpecVersion,
    DateTimeOffset CreatedAt, double AgeSeconds);
