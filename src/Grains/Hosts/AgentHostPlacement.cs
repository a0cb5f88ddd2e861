using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Berth.Hosts;

/// <summary>
/// Places a host grain on its host's agent silo, the only one that reaches that engine's local
/// socket. A host with no agent (a remote engine) goes to a silo that is not an agent, this one
/// when it can; so does an agent's host while its agent is away (it then answers 503, and steps
/// aside once the agent is back: see AgentHostGrain).
/// </summary>
[GenerateSerializer, Immutable, Alias("berth-agent-host")]
public sealed class AgentHostPlacement : PlacementStrategy
{
    public static readonly AgentHostPlacement Instance = new();
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class AgentHostPlacementAttribute() : PlacementAttribute(AgentHostPlacement.Instance);

public sealed class AgentHostPlacementDirector(AgentSilos agents) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var hostId = target.GrainIdentity.Key.ToString();
        var compatible = context.GetCompatibleSilos(target);
        if (agents.SiloOf(hostId) is { } agent && compatible.Contains(agent))
        {
            return Task.FromResult(agent);
        }
        var others = compatible.Where(s => agents.AgentHostOf(s) is null).ToArray();
        if (others.Length == 0) others = compatible;
        return Task.FromResult(others.Contains(context.LocalSilo) ? context.LocalSilo : others[Random.Shared.Next(others.Length)]);
    }
}
