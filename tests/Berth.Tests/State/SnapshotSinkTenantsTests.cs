using System.Text;
using Berth.Configuration;
using Berth.Contracts;
using Berth.State;
using Berth.Tests.Support;

namespace Berth.Tests.State;

/// <summary>
/// What a purge asks the sinks: which tenants hold snapshots of a workload (also those the catalog
/// never heard of), on the filesystem and on PostgreSQL; a deleted snapshot no longer counts.
/// </summary>
public sealed class SnapshotSinkTenantsTests
{
    private static async Task ListsTenantsOfOneWorkloadAsync(ISnapshotSink sink)
    {
        var workload = $"w-{Guid.NewGuid():N}"[..12];
        var other = workload + "-other";
        foreach (var key in new[] { new SnapshotKey("alice", workload, "s1"), new SnapshotKey("alice", workload, "s2"), new SnapshotKey("bob", workload, "s1"), new SnapshotKey("carol", other, "s1") })
        {
            await sink.WriteAsync(key, new MemoryStream(Encoding.UTF8.GetBytes(key.ToString())), CancellationToken.None);
        }

        Assert.Equal(["alice", "bob"], await sink.TenantsOfAsync(workload, CancellationToken.None));
        Assert.Equal(["carol"], await sink.TenantsOfAsync(other, CancellationToken.None));

        await sink.DeleteAsync(new SnapshotKey("bob", workload, "s1"), CancellationToken.None);
        Assert.Equal(["alice"], await sink.TenantsOfAsync(workload, CancellationToken.None));
        Assert.Empty(await sink.TenantsOfAsync("never-used", CancellationToken.None));
    }

    [Fact]
    public async Task The_filesystem_sink_lists_the_tenants_of_a_workload()
    {
        var root = Path.Combine(Path.GetTempPath(), "berth-sink-" + Guid.NewGuid().ToString("N"));
        try
        {
            var sink = new FilesystemSnapshotSink(Microsoft.Extensions.Options.Options.Create(new BerthOptions { Snapshots = new SnapshotOptions { FilesystemRoot = root } }));
            await ListsTenantsOfOneWorkloadAsync(sink);
        }
        finally
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }

    [PostgresFact]
    public async Task The_postgres_sink_lists_the_tenants_of_a_workload()
    {
        var database = $"berth_sink_{Guid.NewGuid():N}"[..28];
        var connectionString = await PostgresRequirement.CreateDatabaseAsync(database);
        try
        {
            var sink = new PostgresSnapshotSink(
                Microsoft.Extensions.Options.Options.Create(new BerthOptions { Snapshots = new SnapshotOptions { PostgresConnectionString = connectionString } }),
                Microsoft.Extensions.Options.Options.Create(new DatabaseOptions()));
            await ListsTenantsOfOneWorkloadAsync(sink);
        }
        finally
        {
            Npgsql.NpgsqlConnection.ClearAllPools();
            await PostgresRequirement.DropDatabaseAsync(database);
        }
    }
}
