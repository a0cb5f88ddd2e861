namespace Berth.Contracts;

[GenerateSerializer, Alias("Berth.Contracts.TenantStatus"), Immutable]
public sealed record TenantStatus(
    [property: Id(0)] string TenantId,
    [property: Id(1)] TenantClaimView[] Claims,
    /// <summary>States saved from containers of hosts that came back after the tenant had moved on, newest last.</summary>
    [property: Id(2)] RecoveredSnapshotView[]? Recovered = null,
    /// <summary>When the tenant last used a container through Berth (proxy, exec, logs, files); null: not since this grain's activation.</summary>
    [property: Id(3)] DateTimeOffset? LastActivityAt = null);
