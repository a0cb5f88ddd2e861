namespace Berth.Client.Models;

/// <summary>A lifecycle event (<c>GET /events</c>, <c>/events/stream</c>); <see cref="Type"/> is snake_case (claimed, host_down, …).</summary>
public sealed record BerthEvent(long Sequence, DateTimeOffset At, string Type, string? TenantId, string? Workload, string? HostId,
    string? ContainerId, string? Reason, string? Source);

/// <summary>Filters of <c>GET /events</c> and the stream; <see cref="Types"/> joins into the comma-separated <c>type</c>.</summary>
public sealed record EventQuery(string? Tenant = null, string? Workload = null, IReadOnlyList<string>? Types = null, long? Since = null, int? Limit = null);
