using Berth.Contracts;

namespace Berth.Pools;

/// <summary>One container slot of a pool, as the pool grain records it.</summary>
[GenerateSerializer, Alias("Berth.Pools.PoolMember")]
public sealed class PoolMember
{
    [Id(0)] public required string MemberId { get; init; }
    [Id(1)] public required string HostId { get; init; }
    [Id(2)] public required string SpecVersion { get; init; }
    [Id(3)] public PoolMemberState State { get; set; }
    [Id(4)] public string? ContainerId { get; set; }
    /// <summary>Set once, when the member is reserved for a tenant; never changed afterwards.</summary>
    [Id(5)] public string? TenantId { get; set; }
    [Id(6)] public ContainerEndpoint[] Endpoints { get; set; } = [];
    [Id(7)] public DateTimeOffset CreatedAt { get; init; }
    [Id(8)] public DateTimeOffset StateSince { get; set; }
    [Id(9)] public ClaimSource? Source { get; set; }
    [Id(10)] public DateTimeOffset? StartedAt { get; set; }
    /// <summary>A stack member's services (<see cref="ContainerId"/> is the primary's); null for one container.</summary>
    [Id(11)] public ServiceContainer[]? Services { get; set; }

    public RunningContainer? Container =>
        ContainerId is null ? null : new RunningContainer(ContainerId, HostId, Endpoints, StartedAt ?? CreatedAt, Services);

    public void MoveTo(PoolMemberState state, DateTimeOffset now)
    {
        State = state;
        StateSince = now;
    }
}
