using System.Formats.Tar;

namespace Berth.Secrets;

/// <summary>
/// The tar that puts a tenant's secrets into its container: a directory and files owned by root,
/// readable by everyone and writable by no one. Containers run without CAP_DAC_OVERRIDE, so not
/// even a root workload can write them.
/// </summary>
public static class SecretFiles
{
    private const UnixFileMode ReadOnlyFile = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode ReadOnlyDirectory = ReadOnlyFile | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    public static byte[] BuildTar(IReadOnlyDictionary<string, byte[]> secrets)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "./") { Mode = ReadOnlyDirectory, Uid = 0, Gid = 0 });
            foreach (var (name, value) in secrets.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    Mode = ReadOnlyFile,
                    Uid = 0,
                    Gid = 0,
                    DataStream = new MemoryStream(value),
                });
            }
        }
        return output.ToArray();
    }
}
