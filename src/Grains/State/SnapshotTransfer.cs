using Berth.Configuration;
using Berth.Contracts;
using Berth.Errors;
using Berth.Runtime;
using Berth.Specs;
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

    public async Task<SnapshotDigest> SaveAsync(IContainerRuntime runtime, string containerId, string path, SnapshotKey key, string sinkName, SinkLocation? location, long maxBytes, StoredSnapshot? addTo, CancellationToken cancellationToken)
    {
        var sink = sinks.Get(sinkName, location);
        var raw = NewStagingFile();
        var staging = NewStagingFile();
        var older = addTo is null ? null : NewStagingFile();
        var merged = addTo is null ? null : NewStagingFile();
        try
        {
            // Docker's chunked response stream fails partial reads at its end, which the tar reader
            // makes; a plain copy to disk first (bounded by the size limit) avoids that.
            try
            {
                await using var docker = await runtime.ReadArchiveAsync(containerId, path, cancellationToken);
                await using var file = File.Create(raw);
                await CopyBoundedAsync(docker, file, RawLimit(maxBytes), cancellationToken);
            }
            catch (PathNotFoundException)
            {
                // A mapped path the tenant never created holds nothing: an empty tar (its end marker).
                await File.WriteAllBytesAsync(raw, new byte[1024], cancellationToken);
            }
            SnapshotDigest digest;
            await using (var input = File.OpenRead(raw))
            await using (var file = File.Create(staging))
            {
                digest = await SnapshotArchive.NormalizeAsync(input, Path.GetFileName(path.TrimEnd('/')), maxBytes, file, cancellationToken);
            }
            if (addTo is not null)
            {
                await DownloadVerifiedAsync(addTo, older!, maxBytes, cancellationToken);
                await using var newer = File.OpenRead(staging);
                await using var previous = File.OpenRead(older!);
                await using var output = File.Create(merged!);
                digest = (await SnapshotArchive.MergeAsync(newer, previous, maxBytes, output, cancellationToken))
                    with { SingleFile = digest.SingleFile || addTo.Digest.SingleFile };
                staging = SwapAndDelete(staging, merged!);
                merged = null;
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
            foreach (var file in new[] { raw, staging, older, merged })
            {
                if (file is not null) File.Delete(file);
            }
        }
    }

    private static string SwapAndDelete(string replaced, string replacement)
    {
        File.Delete(replaced);
        return replacement;
    }

    /// <summary>Copies a stored snapshot to a staging file and checks it whole (checksum, path safety).</summary>
    private async Task DownloadVerifiedAsync(StoredSnapshot snapshot, string staging, long maxBytes, CancellationToken cancellationToken)
    {
        await using (var stored = await sinks.Get(snapshot.Sink, snapshot.Location).OpenReadAsync(snapshot.Key, cancellationToken))
        await using (var file = File.Create(staging))
        {
            await stored.CopyToAsync(file, cancellationToken);
        }
        await using (var file = File.OpenRead(staging))
        {
            var check = await SnapshotArchive.VerifyAsync(file, maxBytes, cancellationToken);
            if (check.Sha256 != snapshot.Digest.Sha256)
            {
                throw new BerthException(BerthErrorKind.Unprocessable,
                    $"snapshot {snapshot.Key} is corrupt: checksum {check.Sha256}, expected {snapshot.Digest.Sha256}", "state");
            }
        }
    }

    /// <summary>Tar headers and padding on top of the content limit: 512 bytes per entry, generously.</summary>
    private static long RawLimit(long maxBytes) => maxBytes + maxBytes / 8 + 4 * 1024 * 1024;

    private static async Task CopyBoundedAsync(Stream source, Stream destination, long limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        long total = 0;
        int read;
        while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
        {
            total += read;
            if (total > limit)
            {
                throw new BerthException(BerthErrorKind.Unprocessable, $"the state is larger than the workload's snapshot limit", "sync.max_size");
            }
            await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    /// <summary>
    /// Writes a verified part into the container. A part of the whole volume (or of a claim recorded
    /// before mappings were relative) goes into <paramref name="path"/>; a part below the volume root
    /// is relocated under its path and written through the volume root, so that a fresh container
    /// that lacks the path gets it, owned like the volume root (the container's user).
    /// </summary>
    public async Task RestoreAsync(IContainerRuntime runtime, string containerId, string path, string? volumeRoot, StoredSnapshot snapshot, long maxBytes, CancellationToken cancellationToken)
    {
        var staging = NewStagingFile();
        var relocated = NewStagingFile();
        try
        {
            // Everything is checked before a single byte reaches the container.
            await DownloadVerifiedAsync(snapshot, staging, maxBytes, cancellationToken);
            if (snapshot.Digest.Entries == 0 && volumeRoot is not null && path != volumeRoot)
            {
                return; // Nothing was there (a mapped file never created): creating a directory in its place would be wrong.
            }
            if (volumeRoot is null || path == volumeRoot)
            {
                await using var whole = File.OpenRead(staging);
                await runtime.WriteArchiveAsync(containerId, path, whole, cancellationToken);
                return;
            }
            var relative = path[(volumeRoot.Length + 1)..];
            var directory = snapshot.Digest.SingleFile ? (Path.GetDirectoryName(relative)?.Replace('\\', '/') ?? "") : relative;
            var (uid, gid) = await OwnerOfAsync(runtime, containerId, volumeRoot, cancellationToken);
            await using (var part = File.OpenRead(staging))
            await using (var output = File.Create(relocated))
            {
                await SnapshotArchive.RelocateAsync(part, directory, uid, gid, output, cancellationToken);
            }
            await using var file = File.OpenRead(relocated);
            await runtime.WriteArchiveAsync(containerId, volumeRoot, file, cancellationToken);
        }
        finally
        {
            File.Delete(staging);
            File.Delete(relocated);
        }
    }

    /// <summary>The owner of a directory in the container: the first entry of its archive, read alone.</summary>
    private static async Task<(int Uid, int Gid)> OwnerOfAsync(IContainerRuntime runtime, string containerId, string directory, CancellationToken cancellationToken)
    {
        await using var archive = await runtime.ReadArchiveAsync(containerId, directory, cancellationToken);
        await using var reader = new System.Formats.Tar.TarReader(archive, leaveOpen: true);
        return await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } root ? (root.Uid, root.Gid) : (0, 0);
    }
}
