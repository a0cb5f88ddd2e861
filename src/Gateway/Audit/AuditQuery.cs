namespace Berth.Gateway.Audit;

/// <summary>Filters of <c>GET /audit</c>; a resource matches itself and everything below it ("tenant:alice" matches "tenant:alice/secret:x").</summary>
public sealed record AuditQuery(string? Principal, string? Resource, DateTimeOffset? Since, DateTimeOffset? Until, int Limit);
