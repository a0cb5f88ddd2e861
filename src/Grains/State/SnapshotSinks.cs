using System.Collections.Concurrent;
using Berth.Configuration;
using Berth.Errors;
using Berth.Secrets;
using Berth.Specs;
using Microsoft.Extensions.Options;

namespace Berth.State;

/// <summary>
/// The configured sinks by type, and the s3 sinks of workloads that bring their own bucket or keys
/// (Boilerhouse's <c>sync.sink</c> map): one client per distinct setting, made on first use.
/// </summary>
public sealed class SnapshotSinks(
    IEnumerable<ISnapshotSink> sinks,
    IOptions<BerthOptions> options,
    SecretProtector protector,
    ILoggerFactory loggers) : IDisposable
{
    private readonly Dictionary<string, ISnapshotSink> _byName = sinks.ToDictionary(s => s.Name, StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<S3SnapshotSink>> _workloadSinks = new(StringComparer.Ordinal);

    public ISnapshotSink Get(string name) =>
        _byName.TryGetValue(name, out var sink)
            ? sink
            : throw new BerthException(BerthErrorKind.Unprocessable, $"snapshot sink '{name}' is not configured on this cluster", "sync.sink");

    public ISnapshotSink Get(string name, SinkLocation? location)
    {
        if (location is null || name != "s3")
        {
            return Get(name);
        }
        var settings = Merge(location);
        var key = string.Join('\n', settings.Bucket, settings.Region, settings.ServiceUrl, settings.KeyPrefix, settings.ForcePathStyle,
            SinkCredentials.Fingerprint(settings.AccessKey is { } a ? (a, settings.SecretKey!) : null));
        return _workloadSinks.GetOrAdd(key, _ => new Lazy<S3SnapshotSink>(() => new S3SnapshotSink(
            Options.Create(new BerthOptions { Snapshots = new SnapshotOptions { S3 = settings, StagingDirectory = options.Value.Snapshots.StagingDirectory } }),
            loggers.CreateLogger<S3SnapshotSink>()))).Value;
    }

    /// <summary>
    /// The tenants any configured sink that can list holds snapshots of <paramref name="workload"/> for;
    /// a sink that cannot be read now is logged and skipped (the catalog's own list still counts).
    /// </summary>
    public async Task<IReadOnlyCollection<string>> TenantsOfAsync(string workload, CancellationToken cancellationToken)
    {
        var tenants = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var sink in _byName.Values.Where(s => s.ConfigurationProblem is null))
        {
            try
            {
                tenants.UnionWith(await sink.TenantsOfAsync(workload, cancellationToken));
            }
            catch (Exception ex)
            {
                loggers.CreateLogger<SnapshotSinks>().LogWarning("Snapshot sink {Sink} could not list the tenants of {Workload}: {Error}", sink.Name, workload, ex.Message);
            }
        }
        return tenants;
    }

    /// <summary>Why a workload's sink could not store a snapshot as configured (no bucket, no keys, no database); null when it can.</summary>
    public string? ProblemOf(SyncSpec sync)
    {
        if (!_byName.ContainsKey(sync.Sink))
        {
            return $"snapshot sink '{sync.Sink}' is not configured on this cluster";
        }
        if (sync.Location is { Endpoint: not null, HasCredentials: false })
        {
            return "a workload naming its own endpoint must bring its own keys (access_key_id, secret_access_key): the cluster's keys are never sent to another endpoint";
        }
        return Get(sync.Sink, sync.Location).ConfigurationProblem;
    }

    /// <summary>The workload's settings over the cluster's: what the workload leaves out, the cluster decides.</summary>
    public S3SinkOptions Merge(SinkLocation location)
    {
        var cluster = options.Value.Snapshots.S3;
        var keys = SinkCredentials.Open(location, protector);
        return new S3SinkOptions
        {
            Bucket = location.Bucket ?? cluster.Bucket,
            Region = location.Region ?? cluster.Region,
            ServiceUrl = location.Endpoint ?? cluster.ServiceUrl,
            ForcePathStyle = location.ForcePathStyle || cluster.ForcePathStyle,
            AccessKey = keys?.AccessKeyId ?? cluster.AccessKey,
            SecretKey = keys?.SecretAccessKey ?? cluster.SecretKey,
            SessionToken = keys is null ? cluster.SessionToken : null,
            KeyPrefix = location.Prefix ?? cluster.KeyPrefix,
            CreateBucket = cluster.CreateBucket,
        };
    }

    public void Dispose()
    {
        foreach (var sink in _workloadSinks.Values.Where(l => l.IsValueCreated))
        {
            sink.Value.Dispose();
        }
    }
}
