using Berth.Configuration;
using Berth.Contracts;
using Berth.Errors;
using Berth.Runtime;
using Microsoft.Extensions.Options;

namespace Berth.State;

/// <summary>
/// Moves state between a container (through the engine's archive API, so remote engines work too)
/// and a sink, staged in a file so that large states never sit in memory.
/// </summary>
public sealed class SnapshotTransfer(SnapshotSinks sinks, IOptions<BerthOptions> options)
{
    private string NewStagingFile()
    {
        var directory = options.Value.Snapshots.StagingDirectory;
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, Guid.NewGuid().ToString("N") + ".tar");
    }

    public async Task<SnapshotDigest> SaveAsync(IContainerRuntime runtime, string containerId, string stateTarget, SnapshotKey key, string sinkName, long maxBytes, CancellationToken cancellationToken)
    {
        var sink = sinks.Get(sinkName);
        var staging = NewStagingFile();
        try
        {
            SnapshotDigest digest;
            await using (var docker = await runtime.ReadArchiveAsync(containerId, stateTarget, cancellationToken))
            await using (var file = File.Create(staging))
            {
                digest = await SnapshotArchive.NormalizeAsync(docker, Path.GetFileName(stateTarget.TrimEnd('/')), maxBytes, file, cancellationToken);
            }
            await using (var file = File.OpenRead(staging))
            {
                await sink.WriteAsync(key, file, cancellationToken);
            }
            // Read back what the sink holds: the container is destroyed only on the strength of this.
            await using (var stored = await sink.OpenReadAsync(key, cancellationToken))
            {
                var check = await SnapshotArchive.VerifyAsync(stored, maxBytes, cancellationToken);
                if (check.Sha256 != digest.Sha256)
                {
                    throw new IOException($"snapshot {key} reads back with checksum {check.Sha256}, not {digest.Sha256}");
                }
            }
            return digest;
        }
        finally
        {
            File.Delete(staging);
        }
    }

    public async Task RestoreAsync(IContainerRuntime runtime, string containerId, string stateTarget, SnapshotKey key, string sinkName, SnapshotDigest expected, long maxBytes, CancellationToken cancellationToken)
    {
        var sink = sinks.Get(sinkName);
        var staging = NewStagingFile();
        try
        {
            await using (var stored = await sink.OpenReadAsync(key, cancellationToken))
            await using (var file = File.Create(staging))
            {
                await stored.CopyToAsync(file, cancellationToken);
            }
            // Everything is checked before a single byte reaches the container.
            await using (var file = File.OpenRead(staging))
            {
                var check = await SnapshotArchive.VerifyAsync(file, maxBytes, cancellationToken);
                if (check.Sha256 != expected.Sha256)
                {
                    throw new BerthException(BerthErrorKind.Unprocessable,
                        $"snapshot {key} is corrupt: checksum {check.Sha256}, expected {expected.Sha256}", "state");
                }
            }
            await using (var file = File.OpenRead(staging))
            {
                await runtime.WriteArchiveAsync(containerId, stateTarget, file, cancellationToken);
            }
        }
        finally
        {
            File.Delete(staging);
        }
    }
}
