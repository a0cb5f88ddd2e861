using System.Formats.Tar;
using System.Text;
using Berth.Contracts;
using Berth.Errors;
using Berth.State;

namespace Berth.Tests.State;

public sealed class SnapshotArchiveTests
{
    private static MemoryStream DockerTar(params TarEntry[] entries)
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries) writer.WriteEntry(entry);
        }
        stream.Position = 0;
        return stream;
    }

    private static PaxTarEntry File(string name, string content) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) };

    private static PaxTarEntry Dir(string name) => new(TarEntryType.Directory, name);

    private static PaxTarEntry Link(string name, string target) => new(TarEntryType.SymbolicLink, name) { LinkName = target };

    [Fact]
    public async Task A_state_directory_becomes_a_snapshot_relative_to_it_with_a_digest_that_verifies()
    {
        using var docker = DockerTar(Dir("data/"), File("data/a.txt", "alpha"), Dir("data/sub/"), File("data/sub/b.txt", "beta"), Link("data/sub/link", "../a.txt"));
        using var snapshot = new MemoryStream();

        var digest = await SnapshotArchive.NormalizeAsync(docker, "data", maxBytes: 1024, snapshot, CancellationToken.None);

        Assert.Equal(4, digest.Entries);
        Assert.Equal(9, digest.ContentBytes);
        Assert.Equal(snapshot.Length, digest.StoredBytes);
        snapshot.Position = 0;
        var names = new List<string>();
        using (var reader = new TarReader(snapshot, leaveOpen: true))
        {
            while (reader.GetNextEntry() is { } entry) names.Add(entry.Name);
        }
        Assert.Equal(["a.txt", "sub/", "sub/b.txt", "sub/link"], names);

        snapshot.Position = 0;
        var verified = await SnapshotArchive.VerifyAsync(snapshot, maxBytes: 1024, CancellationToken.None);
        Assert.Equal(digest, verified);
    }

    [Fact]
    public async Task A_merge_keeps_older_files_unless_the_newer_snapshot_replaces_them()
    {
        using var older = DockerTar(File("a.txt", "old a"), File("gone.txt", "deleted since, still kept"), Dir("dir/"), File("dir/x", "under what became a file"));
        using var newer = DockerTar(File("a.txt", "new a"), File("dir", "now a file"));
        using var merged = new MemoryStream();

        var digest = await SnapshotArchive.MergeAsync(newer, older, maxBytes: 1024, merged, CancellationToken.None);

        merged.Position = 0;
        var contents = new Dictionary<string, string>();
        using (var reader = new TarReader(merged, leaveOpen: true))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                contents[entry.Name] = entry.DataStream is { } data ? new StreamReader(data).ReadToEnd() : "";
            }
        }
        Assert.Equal(new Dictionary<string, string> { ["a.txt"] = "new a", ["dir"] = "now a file", ["gone.txt"] = "deleted since, still kept" }, contents);
        merged.Position = 0;
        Assert.Equal(digest, await SnapshotArchive.VerifyAsync(merged, 1024, CancellationToken.None));
    }

    [Fact]
    public async Task A_merge_larger_than_the_limit_is_refused()
    {
        using var older = DockerTar(File("old.bin", new string('o', 800)));
        using var newer = DockerTar(File("new.bin", new string('n', 800)));

        var ex = await Assert.ThrowsAsync<BerthException>(() => SnapshotArchive.MergeAsync(newer, older, 1024, new MemoryStream(), CancellationToken.None));

        Assert.Equal("sync.max_size", ex.Field);
    }

    [Fact]
    public async Task An_empty_state_directory_is_a_valid_empty_snapshot()
    {
        using var docker = DockerTar(Dir("data/"));
        using var snapshot = new MemoryStream();

        var digest = await SnapshotArchive.NormalizeAsync(docker, "data", 1024, snapshot, CancellationToken.None);

        Assert.Equal(0, digest.Entries);
        snapshot.Position = 0;
        Assert.Equal(digest, await SnapshotArchive.VerifyAsync(snapshot, 1024, CancellationToken.None));
    }

    [Theory]
    [InlineData("data/../etc/passwd")]
    [InlineData("data/sub/../../x")]
    [InlineData("other/file")]
    public async Task Entries_that_escape_are_refused_on_save(string name)
    {
        using var docker = DockerTar(Dir("data/"), File(name, "x"));
        var ex = await Assert.ThrowsAsync<BerthException>(() => SnapshotArchive.NormalizeAsync(docker, "data", 1024, new MemoryStream(), CancellationToken.None));
        Assert.Contains("unsafe tar entry", ex.Message);
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../../etc/passwd")]
    [InlineData("../outside")]
    public async Task Links_pointing_out_are_refused_on_save(string target)
    {
        using var docker = DockerTar(Dir("data/"), Link("data/evil", target));
        var ex = await Assert.ThrowsAsync<BerthException>(() => SnapshotArchive.NormalizeAsync(docker, "data", 1024, new MemoryStream(), CancellationToken.None));
        Assert.Contains("outside the state directory", ex.Message);
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("/abs.txt")]
    [InlineData("a/../../escape.txt")]
    public async Task A_malicious_snapshot_is_refused_on_restore(string name)
    {
        using var snapshot = DockerTar(File(name, "x"));
        var ex = await Assert.ThrowsAsync<BerthException>(() => SnapshotArchive.VerifyAsync(snapshot, 1024, CancellationToken.None));
        Assert.Contains("unsafe tar entry", ex.Message);
    }

    [Fact]
    public async Task Devices_are_refused()
    {
        using var snapshot = DockerTar(new PaxTarEntry(TarEntryType.CharacterDevice, "null"));
        var ex = await Assert.ThrowsAsync<BerthException>(() => SnapshotArchive.VerifyAsync(snapshot, 1024, CancellationToken.None));
        Assert.Contains("CharacterDevice", ex.Message);
    }

    [Fact]
    public async Task State_above_the_size_limit_is_refused_naming_the_limit()
    {
        using var docker = DockerTar(Dir("data/"), File("data/big", new string('x', 2000)));
        var ex = await Assert.ThrowsAsync<BerthException>(() => SnapshotArchive.NormalizeAsync(docker, "data", maxBytes: 1000, new MemoryStream(), CancellationToken.None));
        Assert.Equal(BerthErrorKind.Unprocessable, ex.Kind);
        Assert.Contains("1000 bytes", ex.Message);
    }
}
