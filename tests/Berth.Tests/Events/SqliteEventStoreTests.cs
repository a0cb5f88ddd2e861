using Berth.Contracts;
using Berth.Events;

namespace Berth.Tests.Events;

public sealed class SqliteEventStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "berth-events-" + Guid.NewGuid().ToString("N"));

    private string StateConnectionString => $"Data Source={Path.Combine(_directory, "berth.db")}";

    private static BerthEvent At(DateTimeOffset at, BerthEventType type, string? tenant, string? workload = "web") =>
        BerthEvents.Draft(type, tenant, workload) with { At = at };

    [Fact]
    public async Task Events_are_numbered_in_order_filtered_kept_across_reopening_and_pruned_by_age_and_count()
    {
        var t0 = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var store = new SqliteEventStore(StateConnectionString);
        await store.InitializeAsync(CancellationToken.None);
        await store.InitializeAsync(CancellationToken.None); // idempotent
        await store.AppendAsync([At(t0, BerthEventType.Claimed, "alice"), At(t0.AddMinutes(1), BerthEventType.Released, "alice")], CancellationToken.None);
        await store.AppendAsync([At(t0.AddMinutes(2), BerthEventType.Claimed, "bob", "db"), At(t0.AddMinutes(3), BerthEventType.HostDown, null, null) with { HostId = "h1", Reason = "silent" }], CancellationToken.None);
        Assert.True(File.Exists(Path.Combine(_directory, "berth.events.db")));

        // A new instance on the same file: what a restarted silo sees.
        var reopened = new SqliteEventStore(StateConnectionString);
        Assert.Equal(4, await reopened.LatestSequenceAsync(CancellationToken.None));
        var all = await reopened.ReadAsync(new EventQuery(Since: 0), CancellationToken.None);
        Assert.Equal([1L, 2, 3, 4], all.Select(e => e.Sequence));
        Assert.Equal(t0.AddMinutes(1), all[1].At);
        Assert.Equal(("h1", "silent"), (all[3].HostId, all[3].Reason));
        Assert.Equal([1L, 2], (await reopened.ReadAsync(new EventQuery("alice", Since: 0), CancellationToken.None)).Select(e => e.Sequence));
        Assert.Equal([3L], (await reopened.ReadAsync(new EventQuery(Workload: "db", Types: [BerthEventType.Claimed], Since: 1), CancellationToken.None)).Select(e => e.Sequence));
        Assert.Equal([3L, 4], (await reopened.ReadAsync(new EventQuery(Limit: 2), CancellationToken.None)).Select(e => e.Sequence));

        Assert.Equal(1, await reopened.PruneAsync(t0.AddSeconds(30), maxRows: 100, CancellationToken.None));
        Assert.Equal(1, await reopened.PruneAsync(t0, maxRows: 2, CancellationToken.None));
        Assert.Equal([3L, 4], (await reopened.ReadAsync(new EventQuery(Since: 0), CancellationToken.None)).Select(e => e.Sequence));
        // A pruned number is never handed out again, so cursors stay meaningful.
        await reopened.AppendAsync([At(t0.AddMinutes(4), BerthEventType.Claimed, "carol")], CancellationToken.None);
        Assert.Equal(5, await reopened.LatestSequenceAsync(CancellationToken.None));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
