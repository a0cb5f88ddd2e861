namespace Berth.Client.Models;

/// <summary>A tenant's claim on one workload, as claim, release, sync and status answer it.</summary>
public sealed record TenantClaim
{
    public required string TenantId { get; init; }
    public required string Workload { get; init; }
    /// <summary>claiming, restoring, claimed, paused, stopped, releasing, saving, released, lost or failed.</summary>
    public required string State { get; init; }
    public string? ContainerId { get; init; }
    public string? HostId { get; init; }
    public string? MemberId { get; init; }
    public ContainerEndpoint[] Endpoints { get; init; } = [];
    public DateTimeOffset? ClaimedAt { get; init; }
    /// <summary>warm, cold, queued or resumed.</summary>
    public string? Source { get; init; }
    public DateTimeOffset StateSince { get; init; }
    public string? Error { get; init; }
    public DateTimeOffset? LastSnapshotAt { get; init; }
    public long? LastSnapshotBytes { get; init; }
    public RestoredSnapshot? RestoredFrom { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public DateTimeOffset? KeptUntil { get; init; }
    /// <summary>A stack workload's services, the primary (<see cref="ContainerId"/>) first; null for one container.</summary>
    public ServiceContainer[]? Services { get; init; }
}

/// <summary>One service's container in a stack claim.</summary>
public sealed record ServiceContainer(string Service, string ContainerId, ContainerEndpoint[] Endpoints);

public sealed record ContainerEndpoint(int ContainerPort, string Protocol, string HostIp, int HostPort, string? Address);

public sealed record RestoredSnapshot(string? SnapshotId, DateTimeOffset? CreatedAt, string? Note);

/// <summary><c>GET /tenants/{id}/status</c>.</summary>
public sealed record TenantStatus(string TenantId, TenantClaim[] Claims, DateTimeOffset? LastActivityAt);
