using Berth.Configuration;
using Berth.Grains;
using Berth.State;

namespace Berth.Hosts;

/// <summary>See <see cref="IHostInventoryGrain"/>. Written only when a sweep finds a different set.</summary>
// The grain type is part of every stored state's key: fixed here, so renaming the class keeps its state.
[GrainType("hostinventory")]
public sealed class HostInventoryGrain(
    [PersistentState("inventory", StorageNames.Berth)] IPersistentState<HostInventoryState> state) : Grain, IHostInventoryGrain
{
    public async Task Update(HostInventoryEntry[] containers)
    {
        var fresh = containers.Where(c => c.MemberId.Length > 0).DistinctBy(c => c.ContainerId).ToList();
        if (fresh.Count == state.State.Containers.Count && fresh.ToHashSet().SetEquals(state.State.Containers)) return;
        state.State.Containers = fresh;
        await state.WriteOrDeactivateAsync(this);
    }

    public Task<HostInventoryEntry[]> MembersOf(string workload) =>
        Task.FromResult(state.State.Containers.Where(c => c.Workload == workload).ToArray());
}

[GenerateSerializer, Alias("Berth.Hosts.HostInventoryState")]
public sealed class HostInventoryState
{
    [Id(0)] public List<HostInventoryEntry> Containers { get; set; } = [];
}
