using System.Formats.Tar;
using Berth.Errors;
using Berth.Contracts;

namespace Berth.Runtime;

/// <summary>
/// One file or one directory of a container, as the files API moves them: a single regular file
/// comes back as its bytes, anything else as the engine's tar. Writes are tars the engine extracts,
/// a single file wrapped in one first, owned by the container's user.
/// </summary>
public static class ContainerFiles
{
    /// <summary>Reads <paramref name="path"/>; over <paramref name="maxBytes"/> (as a tar) is refused, never cut.</summary>
    public static async Task<ContainerFileContent> ReadAsync(IContainerRuntime runtime, string containerId, string path, long maxBytes, CancellationToken cancellationToken)
    {
        await using var archive = await runtime.ReadArchiveAsync(containerId, path, cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await archive.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw BerthException.Invalid("path", $"{path} is larger than the files API's limit of {maxBytes} bytes (Berth:MaxFileTransferBytes); read a smaller part of it");
            }
            buffer.Write(chunk, 0, read);
        }
        var tar = buffer.ToArray();
        // One regular file at the top is a file; a directory (or a link) stays a tar.
        using var reader = new TarReader(new MemoryStream(tar, writable: false));
        var first = await reader.GetNextEntryAsync(copyData: true, cancellationToken);
        var second = first is null ? null : await reader.GetNextEntryAsync(copyData: false, cancellationToken);
        if (first is { EntryType: TarEntryType.RegularFile or TarEntryType.V7RegularFile } && second is null)
        {
            using var content = new MemoryStream();
            if (first.DataStream is { } data) await data.CopyToAsync(content, cancellationToken);
            return new ContainerFileContent(IsDirectory: false, content.ToArray());
        }
        return new ContainerFileContent(IsDirectory: true, tar);
    }

    /// <summary>A tar holding one file named <paramref name="name"/>, owned by uid/gid (mode 0644).</summary>
    public static byte[] SingleFileTar(string name, byte[] content, int uid, int gid, DateTimeOffset modified)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
            {
                DataStream = new MemoryStream(content, writable: false),
                Uid = uid,
                Gid = gid,
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                ModificationTime = modified,
            });
        }
        return buffer.ToArray();
    }
}
