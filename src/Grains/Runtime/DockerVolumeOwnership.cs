using System.Formats.Tar;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Berth.Runtime;

/// <summary>
/// Gives a created container's state volume to the container's user. Docker copies the image's
/// owner onto a fresh volume, so an image with a root-owned (or missing) state directory and a
/// non-root user would leave the workload unable to write its own state. The container has no
/// capability to chown, so the engine does it: the archive API applies a directory entry's owner
/// when it extracts over an existing directory — but never to the directory it extracts into. So
/// the entry is extracted into the volume's parent: in the container itself when its root is
/// writable, else in a helper container (never started) that mounts the same volume.
/// </summary>
internal static class DockerVolumeOwnership
{
    private const string HelperMount = "/v";

    public static async Task GiveToUserAsync(DockerClient client, string containerId, ContainerCreateSpec spec, CancellationToken cancellationToken)
    {
        if (spec.UserVolumes.Count == 0)
        {
            return;
        }
        // No user in the spec (and no default configured): the image's own USER runs.
        var user = spec.User is { Length: > 0 } named ? named
            : (await client.Containers.InspectContainerAsync(containerId, cancellationToken)).Config?.User is { Length: > 0 } imageUser ? imageUser : "0";
        if (await ResolveUserAsync(client, containerId, user, cancellationToken) is not { } owner || owner.Uid == 0)
        {
            return; // Root writes anywhere; an unknown name fails the start with Docker's own message.
        }
        foreach (var path in spec.UserVolumes)
        {
            var root = await ReadRootEntryAsync(client, containerId, path, cancellationToken);
            if (root is not null && root.Uid == owner.Uid)
            {
                continue;
            }
            var mode = (root?.Mode ?? DefaultMode) | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            if (!spec.ReadOnlyRootFilesystem)
            {
                var parent = Path.GetDirectoryName(path)?.Replace('\\', '/') is { Length: > 0 } p ? p : "/";
                await ExtractDirectoryEntryAsync(client, containerId, parent, Path.GetFileName(path), owner, mode, cancellationToken);
                continue;
            }
            await ThroughHelperAsync(client, containerId, spec, path, owner, mode, cancellationToken);
        }
    }

    private const UnixFileMode DefaultMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private static async Task ThroughHelperAsync(DockerClient client, string containerId, ContainerCreateSpec spec, string path, (int Uid, int Gid) owner, UnixFileMode mode, CancellationToken cancellationToken)
    {
        var inspection = await client.Containers.InspectContainerAsync(containerId, cancellationToken);
        var volume = inspection.Mounts?.FirstOrDefault(m => m.Destination == path && m.Type == "volume")?.Name
            ?? throw new InvalidOperationException($"container {containerId} has no volume at {path}");
        // Labelled like the member (with a member id no pool knows), so that a helper left behind
        // by a crash right here is an orphan that reconciliation removes.
        var labels = spec.Labels.ToDictionary();
        labels[BerthLabels.Member] = labels.GetValueOrDefault(BerthLabels.Member, "unknown") + "-owner";
        var helper = await client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Image = inspection.Image,
            Entrypoint = ["/berth-volume-owner-never-runs"],
            Labels = labels,
            NetworkDisabled = true,
            HostConfig = new HostConfig
            {
                NetworkMode = "none",
                Mounts = [new Mount { Type = "volume", Source = volume, Target = HelperMount }],
            },
        }, cancellationToken);
        try
        {
            await ExtractDirectoryEntryAsync(client, helper.ID, "/", HelperMount.TrimStart('/'), owner, mode, cancellationToken);
        }
        finally
        {
            // Only the helper's own anonymous volumes (an image VOLUME) go with it: the member's,
            // mounted here by name, is kept (and in use by the member anyway).
            await client.Containers.RemoveContainerAsync(helper.ID, new ContainerRemoveParameters { Force = true, RemoveVolumes = true }, CancellationToken.None);
        }
    }

    private static async Task ExtractDirectoryEntryAsync(DockerClient client, string containerId, string into, string name, (int Uid, int Gid) owner, UnixFileMode mode, CancellationToken cancellationToken)
    {
        using var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            await writer.WriteEntryAsync(new PaxTarEntry(TarEntryType.Directory, name + "/")
            {
                Uid = owner.Uid,
                Gid = owner.Gid,
                Mode = mode,
                ModificationTime = DateTimeOffset.UtcNow,
            }, cancellationToken);
        }
        tar.Position = 0;
        await client.Containers.ExtractArchiveToContainerAsync(containerId, new ContainerPathStatParameters { Path = into }, tar, cancellationToken);
    }

    /// <summary>The directory's own entry (owner, mode); null when it does not exist yet.</summary>
    private static async Task<TarEntry?> ReadRootEntryAsync(DockerClient client, string containerId, string path, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.Containers.GetArchiveFromContainerAsync(containerId, new GetArchiveFromContainerParameters { Path = path }, statOnly: false, cancellationToken);
            await using var stream = response.Stream;
            await using var reader = new TarReader(stream, leaveOpen: true);
            return await reader.GetNextEntryAsync(copyData: false, cancellationToken);
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// <c>UID[:GID]</c> as Docker reads it: names are looked up in the image's <c>/etc/passwd</c>
    /// and <c>/etc/group</c>; a user without a group takes its passwd group, or 0.
    /// </summary>
    private static async Task<(int Uid, int Gid)?> ResolveUserAsync(DockerClient client, string containerId, string user, CancellationToken cancellationToken)
    {
        var parts = user.Split(':', 2);
        string[][]? passwd = null;
        async Task<string[][]> Passwd() => passwd ??= await ReadTableAsync(client, containerId, "/etc/passwd", cancellationToken);
        int uid;
        int? gid = null;
        if (int.TryParse(parts[0], out var numeric))
        {
            uid = numeric;
            if (parts.Length == 1 && (await Passwd()).FirstOrDefault(e => e.Length > 3 && e[2] == parts[0]) is { } byUid && int.TryParse(byUid[3], out var g)) gid = g;
        }
        else if ((await Passwd()).FirstOrDefault(e => e.Length > 3 && e[0] == parts[0]) is { } entry && int.TryParse(entry[2], out var named))
        {
            uid = named;
            if (int.TryParse(entry[3], out var g)) gid = g;
        }
        else
        {
            return null;
        }
        if (parts.Length == 2)
        {
            if (int.TryParse(parts[1], out var numericGroup)) gid = numericGroup;
            else if ((await ReadTableAsync(client, containerId, "/etc/group", cancellationToken)).FirstOrDefault(e => e.Length > 2 && e[0] == parts[1]) is { } group && int.TryParse(group[2], out var g)) gid = g;
            else return null;
        }
        return (uid, gid ?? 0);
    }

    private static async Task<string[][]> ReadTableAsync(DockerClient client, string containerId, string path, CancellationToken cancellationToken)
    {
        try
        {
            var response = await client.Containers.GetArchiveFromContainerAsync(containerId, new GetArchiveFromContainerParameters { Path = path }, statOnly: false, cancellationToken);
            await using var stream = response.Stream;
            await using var reader = new TarReader(stream, leaveOpen: true);
            if (await reader.GetNextEntryAsync(copyData: true, cancellationToken) is not { DataStream: { } data } || data.Length > 1 << 20)
            {
                return [];
            }
            using var text = new StreamReader(data);
            return [.. (await text.ReadToEndAsync(cancellationToken)).Split('\n').Select(line => line.Split(':'))];
        }
        catch (DockerApiException ex) when (ex.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return [];
        }
    }
}
