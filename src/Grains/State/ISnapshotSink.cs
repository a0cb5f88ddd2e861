using Berth.Contracts;
namespace Berth.State;

/// <summary>Durable storage for snapshots. A write is all or nothing: a reader never sees a partial snapshot.</summary>
public interface ISnapshotSink
{
    /// <summary>The name a workload's <c>sync.sink</c> uses.</summary>
    string Name { get; }

    /// <summary>Why this sink cannot work as configured (checked when a workload is registered); null when it can.</summary>
    string? ConfigurationProblem { get; }

    Task WriteAsync(SnapshotKey key, Stream content, CancellationToken cancellationToken);

    /// <summary>Throws <see cref="FileNotFoundException"/> when the snapshot does not exist.</summary>
    Task<Stream> OpenReadAsync(SnapshotKey key, CancellationToken cancellationToken);

    /// <summary>Removing a snapshot that does not exist is not an error.</summary>
    Task DeleteAsync(SnapshotKey key, CancellationToken cancellationToken);

    /// <summary>
    /// The tenants this sink holds snapshots of <paramref name="workload"/> for, where the sink can
    /// tell cheaply (a purge also reaches tenants the catalog never heard of); empty where it cannot.
    /// </summary>
    Task<IReadOnlyList<string>> TenantsOfAsync(string workload, CancellationToken cancellationToken);
}
