using Berth.Contracts;

namespace Berth.Grains;

/// <summary>
/// Every Docker host of the cluster (a single grain, key 0): what it is, its state, and when it
/// last answered. Pools learn their hosts here; a host silent for <c>Berth:HostDownAfter</c> is down.
/// </summary>
[Alias("Berth.Grains.IHostRegistryGrain")]
public interface IHostRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Adds a host or updates what it is (idempotent). A removed host comes back only when an agent
    /// or an operator registers it, not from a silo's configuration.
    /// </summary>
    [Alias("Register")]
    Task<HostEntry> Register(HostRegistration registration);

    /// <summary>A host grain's report after each sweep.</summary>
    [OneWay]
    [Alias("Heartbeat")]
    Task Heartbeat(HostHeartbeat heartbeat);

    [Alias("List")]
    Task<HostEntry[]> List();

    [Alias("Get")]
    Task<HostEntry?> Get(string hostId);

    /// <summary>The hosts, or null when nothing changed since <paramref name="knownVersion"/>.</summary>
    [Alias("GetDirectory")]
    Task<HostDirectory?> GetDirectory(long knownVersion);

    /// <summary>No new members on the host; its idle members keep serving.</summary>
    [Alias("Cordon")]
    Task<HostEntry> Cordon(string hostId);

    [Alias("Uncordon")]
    Task<HostEntry> Uncordon(string hostId);

    /// <summary>
    /// Cordons the host and removes its idle members; claimed tenants stay until released, or with
    /// <paramref name="evict"/> are saved and moved to other hosts. Progress is the host's <see cref="HostEntry.Drain"/>;
    /// a new drain is tracked by <paramref name="operationId"/>, a running one keeps the operation it has.
    /// </summary>
    [Alias("Drain")]
    Task<HostEntry> Drain(string hostId, bool evict, string? operationId = null);

    /// <summary>Removes an empty host; with <paramref name="force"/> one that still runs containers (left as they are).</summary>
    [Alias("Remove")]
    Task<HostEntry> Remove(string hostId, bool force);
}
