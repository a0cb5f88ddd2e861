using Berth.Contracts;
using Berth.Configuration;
using Microsoft.Extensions.Options;

namespace Berth.State;

/// <summary>
/// Snapshots as files under a directory (the local default). Every silo must see the same
/// directory, so on several machines use a shared filesystem, or the postgres or s3 sink.
/// </summary>
public sealed class FilesystemSnapshotSink(IOptions<BerthOptions> options) : ISnapshotSink
{
    public string Name => "filesystem";

    public string? ConfigurationProblem => null;

    private string Root => Path.GetFullPath(options.Value.Snapshots.FilesystemRoot);

    private string PathOf(SnapshotKey key) => Path.Combine(Root, key.TenantId, key.Workload, key.SnapshotId + ".tar");

    public async Task WriteAsync(SnapshotKey key, Stream content, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Written aside, flushed to disk, then renamed into place: a crash leaves no partial file.
        var temporary = path + ".partial";
        await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
        {
            await content.CopyToAsync(file, cancellationToken);
            await file.FlushAsync(cancellationToken);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    public Task<Stream> OpenReadAsync(SnapshotKey key, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        return File.Exists(path)
            ? Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, FileOptions.Asynchronous))
            : throw new FileNotFoundException($"snapshot {key} is not in the filesystem sink", path);
    }

    public Task DeleteAsync(SnapshotKey key, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    /// <summary>Directories <c>{root}/{tenant}/{workload}</c> that hold a snapshot.</summary>
    public Task<IReadOnlyList<string>> TenantsOfAsync(string workload, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(!Directory.Exists(Root) ? [] : [.. Directory.EnumerateDirectories(Root)
            .Where(tenant => Directory.Exists(Path.Combine(tenant, workload)) && Directory.EnumerateFiles(Path.Combine(tenant, workload), "*.tar").Any())
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)]);
}
