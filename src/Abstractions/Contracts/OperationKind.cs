namespace Berth.Contracts;

/// <summary>What long change an operation tracks (the API writes them in lower case).</summary>
public enum OperationKind
{
    /// <summary>A host drained: its target is the host id.</summary>
    Drain,
    /// <summary>A changed spec replacing the members of the older one: its target is the workload id.</summary>
    Rollout,
    /// <summary>A pool's min_size and max_size changed.</summary>
    Resize,
    /// <summary>A list of tenants claimed on a workload.</summary>
    Provision,
}
