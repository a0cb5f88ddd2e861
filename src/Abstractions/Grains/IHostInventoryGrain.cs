using Berth.Contracts;

namespace Berth.Grains;

/// <summary>
/// The Berth containers a host's last sweeps saw (one per host id), stored: when the host dies, its
/// pools learn from here which of their members it took with it, even a pool activated after the
/// host stopped answering (its claims are otherwise known only from live host reports).
/// </summary>
[Alias("Berth.Grains.IHostInventoryGrain")]
public interface IHostInventoryGrain : IGrainWithStringKey
{
    /// <summary>Replaces what the host runs; sent by its host grain when the set changed.</summary>
    [Alias("Update")]
    Task Update(HostInventoryEntry[] containers);

    /// <summary>The members of <paramref name="workload"/> last seen on the host.</summary>
    [Alias("MembersOf")]
    Task<HostInventoryEntry[]> MembersOf(string workload);
}

[GenerateSerializer, Immutable, Alias("Berth.Contracts.HostInventoryEntry")]
public sealed record HostInventoryEntry(
    [property: Id(0)] string Workload,
    [property: Id(1)] string MemberId,
    [property: Id(2)] string ContainerId);
