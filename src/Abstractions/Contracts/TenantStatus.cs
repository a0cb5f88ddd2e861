namespace Berth.Contracts;

[GenerateSerializer, Alias("Berth.Contracts.TenantStatus"), Immutable]
public sealed record TenantStatus(
    [property: Id(0)] string TenantId,
    [property: Id(1)] TenantClaimView[] Claims);
