using Berth.Specs;

namespace Berth.Contracts;

/// <summary>Ask a host to create one pool member for a workload (optionally already owned by a tenant).</summary>
[GenerateSerializer, Alias("Berth.Contracts.MemberCreateRequest"), Immutable]
public sealed record MemberCreateRequest(
    [property: Id(0)] string MemberId,
    [property: Id(1)] WorkloadSpec Spec,
    [property: Id(2)] string SpecVersion,
    [property: Id(3)] string? TenantId);
