using System.Formats.Tar;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Berth.Tests.Support;

/// <summary>What a tenant does inside its container, done by the test through the real engine.</summary>
public static class ContainerFiles
{
    /// <summary>Writes files into a directory of the container (the archive API, as `docker cp` does), owned by the workloads' user 1000.</summary>
    public static async Task WriteAsync(DockerClient docker, string containerId, string directory, IReadOnlyDictionary<string, byte[]> files)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name)
                {
                    DataStream = new MemoryStream(content),
                    Uid = 1000,
                    Gid = 1000,
                    Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                });
            }
        }
        tar.Position = 0;
        await docker.Containers.ExtractArchiveToContainerAsync(containerId, new ContainerPathStatParameters { Path = directory }, tar);
    }

    /// <summary>Reads one file from the container.</summary>
    public static async Task<byte[]> ReadAsync(DockerClient docker, string containerId, string path)
    {
        var response = await docker.Containers.GetArchiveFromContainerAsync(containerId, new GetArchiveFromContainerParameters { Path = path }, statOnly: false);
        await using var reader = new TarReader(response.Stream);
        var entry = await reader.GetNextEntryAsync(copyData: true) ?? throw new FileNotFoundException(path);
        // An empty file (caught between a truncate and a write) has no data stream.
        if (entry.DataStream is null) return [];
        using var content = new MemoryStream();
        await entry.DataStream!.CopyToAsync(content);
        return content.ToArray();
    }

    /// <summary>Runs a command in the container and returns its exit code and output.</summary>
    public static async Task<(long ExitCode, string Output)> ExecAsync(DockerClient docker, string containerId, params string[] command)
    {
        var exec = await docker.Exec.ExecCreateContainerAsync(containerId, new ContainerExecCreateParameters
        {
            Cmd = command,
            AttachStdout = true,
            AttachStderr = true,
        });
        using var stream = await docker.Exec.StartAndAttachContainerExecAsync(exec.ID, tty: false);
        var (stdout, stderr) = await stream.ReadOutputToEndAsync(CancellationToken.None);
        var inspect = await docker.Exec.InspectContainerExecAsync(exec.ID);
        return (inspect.ExitCode, stdout + stderr);
    }
}
