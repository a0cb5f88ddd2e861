namespace Berth.Contracts;

/// <summary>
/// A registered Docker host's state. Operators set <see cref="Active"/>, <see cref="Cordoned"/>,
/// <see cref="Draining"/> and <see cref="Removed"/>; <see cref="Down"/> comes from silence (no
/// answered sweep for <c>Berth:HostDownAfter</c>) and ends by itself when the host answers again.
/// </summary>
public enum HostState
{
    /// <summary>Takes new members and hands out its idle ones.</summary>
    Active,
    /// <summary>No new members are created there; its idle members still serve warm claims.</summary>
    Cordoned,
    /// <summary>Cordoned, its idle members removed, and (with evict) its tenants saved and moved.</summary>
    Draining,
    /// <summary>Silent: its members stop counting, its tenants turn lost, nothing is placed there.</summary>
    Down,
    /// <summary>Deleted by an operator; Berth no longer uses or watches it.</summary>
    Removed,
}

/// <summary>How Berth reaches a host's engine.</summary>
public enum HostKind
{
    /// <summary>By its endpoint (a local socket, or tcp with mutual TLS), from any silo that is not an agent.</summary>
    Remote,
    /// <summary>Through the agent silo running on that host, which alone talks to its local engine socket.</summary>
    Agent,
}
