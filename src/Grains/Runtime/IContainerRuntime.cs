using Berth.Contracts;
using Berth.Network;
using Berth.Specs;

namespace Berth.Runtime;

/// <summary>One container engine. Docker in production; an in-memory fake for unit tests and benchmarks.</summary>
public interface IContainerRuntime
{
    /// <summary>Creates (not starts) a container and returns its id. Missing image: <see cref="ImageNotFoundException"/>.</summary>
    Task<string> CreateAsync(ContainerCreateSpec spec, CancellationToken cancellationToken);

    Task StartAsync(string containerId, CancellationToken cancellationToken);

    /// <summary>Null when the container does not exist.</summary>
    Task<ContainerInspection?> InspectAsync(string containerId, CancellationToken cancellationToken);

    /// <summary>Force-removes a container and its anonymous volumes; a missing container is not an error.</summary>
    Task RemoveAsync(string containerId, CancellationToken cancellationToken);

    /// <summary>All containers (running or not) carrying every one of the given labels.</summary>
    Task<IReadOnlyList<ObservedContainer>> ListAsync(IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken);

    Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken);

    /// <summary>Stops a container, keeping it and its volumes (e.g. while its state cannot be saved yet).</summary>
    Task StopAsync(string containerId, CancellationToken cancellationToken);

    /// <summary>Freezes every process of a container (docker pause); its memory and files stay. A missing container is <see cref="ContainerNotFoundException"/>.</summary>
    Task PauseAsync(string containerId, CancellationToken cancellationToken);

    /// <summary>Lets a paused container run on where it stopped.</summary>
    Task UnpauseAsync(string containerId, CancellationToken cancellationToken);

    /// <summary>
    /// A tar of <paramref name="path"/> as Docker's archive API returns it: entries are rooted at
    /// the path's last component (<c>/data</c> → <c>data/…</c>). Works for remote engines too.
    /// A missing container is <see cref="ContainerNotFoundException"/>, a missing path <see cref="PathNotFoundException"/>.
    /// </summary>
    Task<Stream> ReadArchiveAsync(string containerId, string path, CancellationToken cancellationToken);

    /// <summary>
    /// Makes each of <see cref="ContainerCreateSpec.UserVolumes"/> of a created (not yet started)
    /// container owned by the container's user, so that the workload can write its state even
    /// when the image has the directory root-owned or lacks it. The engine does the change (the
    /// container itself holds no capability to chown).
    /// </summary>
    Task GiveVolumesToUserAsync(string containerId, ContainerCreateSpec spec, CancellationToken cancellationToken);

    /// <summary>Extracts a tar into the directory <paramref name="path"/> of the container.</summary>
    Task WriteArchiveAsync(string containerId, string path, Stream tar, CancellationToken cancellationToken);

    /// <summary>
    /// The bridge network of one egress policy (<c>{prefix}-{policy key}</c>), created once with
    /// inter-container traffic off and a bridge name the host firewall can match. An existing network
    /// of that name that lets containers talk, or has another bridge, is refused, never used.
    /// </summary>
    Task<TenantNetwork> EnsureTenantNetworkAsync(string prefix, EgressPolicy policy, CancellationToken cancellationToken);

    /// <summary>
    /// A stack member's own bridge network <paramref name="name"/>: its services reach each other
    /// there (inter-container traffic on), nothing else joins it, and its bridge
    /// (<see cref="TenantNetworks.StackBridgePrefix"/>) is filtered by <paramref name="policy"/> like
    /// any tenant bridge. Its subnet is a free one of <paramref name="subnets"/> (<see cref="StackSubnets"/>).
    /// Creating one that exists returns it.
    /// </summary>
    Task<TenantNetwork> EnsureStackNetworkAsync(string name, EgressPolicy policy, System.Net.IPNetwork subnets,
        IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken);

    /// <summary>
    /// An operator's host stack network <paramref name="name"/> on a free subnet of <paramref name="subnets"/>,
    /// carrying <paramref name="labels"/>: services reach each other there by name; it is no tenant
    /// network (no egress label, no Berth bridge name), so the tenant firewall leaves it alone.
    /// An existing one with those labels is kept; one with other labels is refused.
    /// </summary>
    Task EnsureHostStackNetworkAsync(string name, System.Net.IPNetwork subnets, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken);

    /// <summary>The networks carrying every one of <paramref name="labels"/> (stack networks of one host, for reconciliation).</summary>
    Task<IReadOnlyList<LabelledNetwork>> ListNetworksAsync(IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken);

    /// <summary>Removes a stack network once its containers are gone; a missing one is not an error.</summary>
    Task RemoveNetworkAsync(string name, CancellationToken cancellationToken);

    /// <summary>
    /// Starts <paramref name="request"/>'s command in a running container, attached. A missing
    /// container is <see cref="ContainerNotFoundException"/>, a stopped one <see cref="ContainerNotRunningException"/>.
    /// </summary>
    Task<IContainerExec> StartExecAsync(string containerId, ExecRequest request, CancellationToken cancellationToken);

    /// <summary>The container's stdout and stderr; with <see cref="LogsRequest.Follow"/>, until cancelled or the container stops.</summary>
    IAsyncEnumerable<OutputChunk> ReadLogsAsync(string containerId, LogsRequest request, CancellationToken cancellationToken);

    /// <summary>Every tenant network on this engine (of any cluster: networks are the engine's, not a cluster's).</summary>
    Task<IReadOnlyList<TenantNetwork>> ListTenantNetworksAsync(CancellationToken cancellationToken);
}

/// <summary>The engine does not have the image (no pulls happen: images are provisioned by the operator).</summary>
public sealed class ImageNotFoundException(string image) : Exception($"image '{image}' is not present on the engine")
{
    public string Image { get; } = image;
}

/// <summary>The container exists, but the path asked for is not in it.</summary>
public sealed class PathNotFoundException(string containerId, string path) : Exception($"{path} does not exist in container {containerId}")
{
    public string Path { get; } = path;
}

/// <summary>The container does not exist (any more) on the engine.</summary>
public sealed class ContainerNotFoundException(string containerId) : Exception($"container {containerId} does not exist")
{
    public string ContainerId { get; } = containerId;
}
