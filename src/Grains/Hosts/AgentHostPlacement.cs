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

public sealed class AgentHostPlacementDirector(AgentSilos agents, ILogger<AgentHostPlacementDirector> logger) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var hostId = target.GrainIdentity.Key.ToString();
        var compatible = context.GetCompatibleSilos(target);
        if (agents.SiloOf(hostId) is { } agent)
        {
            // An agent silo always hosts this grain type, but the cluster manifest can lag its arrival
            // (seen: over a minute after an agent restarted on its old port); placing elsewhere
            // meanwhile only makes a detached grain that steps aside again and again.
            if (!compatible.Contains(agent)) logger.LogDebug("Placing host {Host}'s grain on its agent silo {Silo}, not yet in the cluster manifest", hostId, agent);
            return Task.FromResult(agent);
        }
        var others = compatible.Where(s => agents.AgentHostOf(s) is null).ToArray();
        if (others.Length == 0) others = compatible;
        return Task.FromResult(others.Contains(context.LocalSilo) ? context.LocalSilo : others[Random.Shared.Next(others.Length)]);
    }
}
