using System.Formats.Tar;
using System.Security.Cryptography;
using Berth.Contracts;
using Berth.Errors;

namespace Berth.State;

/// <summary>
/// Turns the tar Docker returns for a state directory into a snapshot, and checks snapshots
/// before they are restored. A snapshot's entries are relative to the state directory. Only
/// directories, regular files and links that stay inside it are allowed: an entry that would
/// escape (<c>..</c>, an absolute path, or a link pointing out) is refused, on save and on restore.
/// </summary>
public static class SnapshotArchive
{
    /// <summary>
    /// Writes the snapshot of <paramref name="dockerTar"/> to <paramref name="output"/> and returns
    /// its digest. The output must be seekable (a staging file): entries arrive as unseekable
    /// streams, and the tar writer patches their headers.
    /// </summary>
    /// <param name="rootName">The first path component Docker put on every entry (the state directory's name).</param>
    /// <remarks>
    /// When the path is one file (a mapping such as <c>config.json</c>), the snapshot is that one
    /// entry under its own name, and the digest says <see cref="SnapshotDigest.SingleFile"/>.
    /// </remarks>
    public static async Task<SnapshotDigest> NormalizeAsync(Stream dockerTar, string rootName, long maxBytes, Stream output, CancellationToken cancellationToken)
    {
        var start = output.Position;
        long contentBytes = 0;
        var entries = 0;
        var singleFile = false;
        await using (var reader = new TarReader(dockerTar, leaveOpen: true))
        await using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            {
                if (entries == 0 && !singleFile && entry.Name == rootName && entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
                {
                    singleFile = true;
                    Check(entry, rootName);
                    contentBytes = entry.Length;
                    if (contentBytes > maxBytes) throw TooLarge(maxBytes);
                    entries++;
                    await writer.WriteEntryAsync(Copy(entry, rootName), cancellationToken);
                    continue;
                }
                if (singleFile)
                {
                    throw Unsafe(entry.Name, "follows a single file");
                }
                var relative = StripRoot(entry.Name, rootName);
                if (relative is null)
                {
                    continue; // The state directory itself.
                }
                Check(entry, relative);
                contentBytes += entry.Length;
                if (contentBytes > maxBytes) throw TooLarge(maxBytes);
                entries++;
                await writer.WriteEntryAsync(Copy(entry, relative), cancellationToken);
            }
        }
        return (await FinishAsync(output, start, contentBytes, entries, cancellationToken)) with { SingleFile = singleFile };
    }

    private static BerthException TooLarge(long maxBytes) => new(BerthErrorKind.Unprocessable,
        $"the state is larger than the workload's snapshot limit of {maxBytes} bytes", "sync.max_size");

    /// <summary>
    /// Rewrites a verified part so that it lands under <paramref name="directory"/> (relative to
    /// the directory it is extracted into): each missing directory on the way is an entry owned
    /// by <paramref name="uid"/>:<paramref name="gid"/>, so the container's user can write there.
    /// </summary>
    public static async Task RelocateAsync(Stream part, string directory, int uid, int gid, Stream output, CancellationToken cancellationToken)
    {
        await using var reader = new TarReader(part, leaveOpen: true);
        await using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        var prefix = "";
        foreach (var segment in directory.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            prefix += segment + "/";
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, prefix)
            {
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
                Uid = uid,
                Gid = gid,
                ModificationTime = DateTimeOffset.UtcNow,
            }, cancellationToken);
        }
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
        {
            var name = entry.Name.TrimEnd('/');
            Check(entry, name);
            var copy = Copy(entry, prefix + name);
            if (entry.EntryType == TarEntryType.HardLink) copy.LinkName = prefix + entry.LinkName;
            await writer.WriteEntryAsync(copy, cancellationToken);
        }
    }

    /// <summary>
    /// Writes <paramref name="newer"/> with the entries of <paramref name="older"/> that it does not
    /// replace (mode <c>copy</c>: what was saved before stays unless overwritten). Both are verified
    /// snapshots; the output must be seekable.
    /// </summary>
    public static async Task<SnapshotDigest> MergeAsync(Stream newer, Stream older, long maxBytes, Stream output, CancellationToken cancellationToken)
    {
        var start = output.Position;
        long contentBytes = 0;
        var entries = 0;
        var written = new HashSet<string>(StringComparer.Ordinal);
        var leaves = new HashSet<string>(StringComparer.Ordinal);
        await using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (source, isNewer) in new[] { (newer, true), (older, false) })
            {
                await using var reader = new TarReader(source, leaveOpen: true);
                while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
                {
                    var name = entry.Name.TrimEnd('/');
                    if (!isNewer && (written.Contains(name) || HasAncestorIn(name, leaves)
                        || (entry.EntryType == TarEntryType.HardLink && !written.Contains(entry.LinkName.TrimEnd('/')))))
                    {
                        continue; // Replaced by the newer snapshot, under a path it made a file, or linking to what was dropped.
                    }
                    Check(entry, name);
                    contentBytes += entry.Length;
                    if (contentBytes > maxBytes)
                    {
                        throw new BerthException(BerthErrorKind.Unprocessable,
                            $"the state with what earlier snapshots kept (sync mode copy) is larger than the workload's snapshot limit of {maxBytes} bytes", "sync.max_size");
                    }
                    written.Add(name);
                    if (entry.EntryType != TarEntryType.Directory) leaves.Add(name);
                    entries++;
                    await writer.WriteEntryAsync(Copy(entry, name), cancellationToken);
                }
            }
        }
        return await FinishAsync(output, start, contentBytes, entries, cancellationToken);
    }

    private static bool HasAncestorIn(string name, HashSet<string> paths)
    {
        for (var slash = name.LastIndexOf('/'); slash > 0; slash = name.LastIndexOf('/', slash - 1))
        {
            if (paths.Contains(name[..slash])) return true;
        }
        return false;
    }

    /// <summary>Ends the archive written from <paramref name="start"/> and hashes it.</summary>
    private static async Task<SnapshotDigest> FinishAsync(Stream output, long start, long contentBytes, int entries, CancellationToken cancellationToken)
    {
        if (entries == 0)
        {
            // An empty state is still a valid tar: the end-of-archive marker (two zero blocks),
            // which the tar writer leaves out when nothing was written.
            await output.WriteAsync(new byte[1024], cancellationToken);
        }
        await output.FlushAsync(cancellationToken);
        var end = output.Position;
        output.Position = start;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        int read;
        while ((read = await output.ReadAsync(buffer, cancellationToken)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }
        output.Position = end;
        return new SnapshotDigest(Convert.ToHexStringLower(hash.GetHashAndReset()), end - start, contentBytes, entries);
    }

    /// <summary>Reads a whole snapshot, checking every entry, and returns its digest; throws on the first bad entry.</summary>
    public static async Task<SnapshotDigest> VerifyAsync(Stream snapshot, long maxBytes, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var hashing = new HashingReadStream(snapshot, hash);
        long contentBytes = 0;
        var entries = 0;
        await using (var reader = new TarReader(hashing, leaveOpen: true))
        {
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken) is { } entry)
            {
                Check(entry, entry.Name);
                contentBytes += entry.Length;
                if (contentBytes > maxBytes)
                {
                    throw new BerthException(BerthErrorKind.Unprocessable, $"the snapshot is larger than the limit of {maxBytes} bytes", "sync.max_size");
                }
                entries++;
                if (entry.DataStream is { } data) await data.CopyToAsync(Stream.Null, cancellationToken);
            }
        }
        // Drain the end-of-archive padding so that the digest covers every byte.
        await hashing.CopyToAsync(Stream.Null, cancellationToken);
        return new SnapshotDigest(Convert.ToHexStringLower(hash.GetHashAndReset()), hashing.BytesRead, contentBytes, entries);
    }

    private static string? StripRoot(string name, string rootName)
    {
        var trimmed = name.TrimEnd('/');
        if (trimmed == rootName) return null;
        if (!trimmed.StartsWith(rootName + "/", StringComparison.Ordinal))
        {
            throw Unsafe(name, "is outside the state directory");
        }
        return trimmed[(rootName.Length + 1)..];
    }

    private static void Check(TarEntry entry, string relative)
    {
        if (!IsInside(relative))
        {
            throw Unsafe(entry.Name, "escapes the state directory");
        }
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
            case TarEntryType.RegularFile:
            case TarEntryType.V7RegularFile:
                return;
            case TarEntryType.SymbolicLink:
                // Resolved from the link's own directory, the target must stay inside.
                var linkDirectory = Path.GetDirectoryName(relative.TrimEnd('/'))?.Replace('\\', '/') ?? "";
                if (entry.LinkName.StartsWith('/') || !IsInside(linkDirectory.Length == 0 ? entry.LinkName : $"{linkDirectory}/{entry.LinkName}"))
                {
                    throw Unsafe(entry.Name, $"links to '{entry.LinkName}', outside the state directory");
                }
                return;
            case TarEntryType.HardLink:
                if (entry.LinkName.StartsWith('/') || !IsInside(entry.LinkName))
                {
                    throw Unsafe(entry.Name, $"links to '{entry.LinkName}', outside the state directory");
                }
                return;
            default:
                throw Unsafe(entry.Name, $"is a {entry.EntryType}; only files, directories and links are kept");
        }
    }

    /// <summary>True when a relative path, resolved segment by segment, never climbs above its root.</summary>
    private static bool IsInside(string relative)
    {
        if (relative.Length == 0) return true;
        if (relative.StartsWith('/') || relative.Contains('\0')) return false;
        var depth = 0;
        foreach (var segment in relative.Split('/'))
        {
            if (segment is "" or ".") continue;
            depth += segment == ".." ? -1 : 1;
            if (depth < 0) return false;
        }
        return true;
    }

    private static BerthException Unsafe(string name, string why) =>
        new(BerthErrorKind.Unprocessable, $"unsafe tar entry '{name}': {why}", "state");

    private static PaxTarEntry Copy(TarEntry entry, string relative)
    {
        var name = entry.EntryType == TarEntryType.Directory ? relative + "/" : relative;
        var type = entry.EntryType == TarEntryType.V7RegularFile ? TarEntryType.RegularFile : entry.EntryType;
        var copy = new PaxTarEntry(type, name)
        {
            Mode = entry.Mode,
            Uid = entry.Uid,
            Gid = entry.Gid,
            ModificationTime = entry.ModificationTime,
        };
        if (entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink)
        {
            copy.LinkName = entry.LinkName;
        }
        else if (type == TarEntryType.RegularFile)
        {
            copy.DataStream = entry.DataStream;
        }
        return copy;
    }
}
