namespace Berth.Client.Models;

/// <summary>An API key as listed: never its secret.</summary>
public sealed record ApiKey(string Id, string Name, string Role, string? TenantId, DateTimeOffset CreatedAt, string? CreatedBy, DateTimeOffset? RevokedAt);

/// <summary>A new key: <see cref="Secret"/> is in this answer only.</summary>
public sealed record CreatedApiKey(ApiKey Key, string Secret);

/// <summary><c>GET /auth/whoami</c>.</summary>
public sealed record WhoAmI(string Name, string? Role, string? TenantId);
