using Berth.Contracts;
using Berth.Events;
using Berth.Tests.Support;

namespace Berth.Tests.Events;

/// <summary>The event log's contract, the same on every database; each store runs it below.</summary>
public abstract class EventStoreContract
{
    /// <summary>A store on fresh storage; called again, a second instance on the same storage (a restarted silo).</summary>
    protected abstract SqlEventStore OpenStore();

    protected static BerthEvent At(DateTimeOffset at, BerthEventType type, string? tenant, string? workload = "web") =>
        BerthEvents.Draft(type, tenant, workload) with { At = at };

    protected async Task Events_are_numbered_in_order_filtered_kept_across_reopening_and_pruned_by_age_and_count_on(Func<Task>? afterFirstWrite = null)
    {
        var t0 = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
        var store = OpenStore();
        await store.InitializeAsync(CancellationToken.None);
        await store.InitializeAsync(CancellationToken.None); // idempotent
        await store.AppendAsync([At(t0, BerthEventType.Claimed, "alice"), At(t0.AddMinutes(1), BerthEventType.Released, "alice")], CancellationToken.None);
        await store.AppendAsync([At(t0.AddMinutes(2), BerthEventType.Claimed, "bob", "db"), At(t0.AddMinutes(3), BerthEventType.HostDown, null, null) with { HostId = "h1", Reason = "silent" }], CancellationToken.None);
        if (afterFirstWrite is not null) await afterFirstWrite();

        var reopened = OpenStore();
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
}

public sealed class PostgresEventStoreTests : EventStoreContract, IAsyncLifetime
{
    private readonly string _database = "berth_events_" + Guid.NewGuid().ToString("N")[..12];
    private string? _connectionString;

    protected override SqlEventStore OpenStore() => new PostgresEventStore(_connectionString!);

    public async Task InitializeAsync()
    {
        if (PostgresRequirement.Unavailable is null) _connectionString = await PostgresRequirement.CreateDatabaseAsync(_database);
    }

    public async Task DisposeAsync()
    {
        if (_connectionString is not null) await PostgresRequirement.DropDatabaseAsync(_database);
    }

    [PostgresFact]
    public Task Events_are_numbered_in_order_filtered_kept_across_reopening_and_pruned_by_age_and_count() =>
        Events_are_numbered_in_order_filtered_kept_across_reopening_and_pruned_by_age_and_count_on();
}

public sealed class SqliteEventStoreTests : EventStoreContract, IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "berth-events-" + Guid.NewGuid().ToString("N"));

    private string StateConnectionString => $"Data Source={Path.Combine(_directory, "berth.db")}";

    protected override SqlEventStore OpenStore() => new SqliteEventStore(StateConnectionString);

    [Fact]
    public Task Events_are_numbered_in_order_filtered_kept_across_reopening_and_pruned_by_age_and_count() =>
        Events_are_numbered_in_order_filtered_kept_across_reopening_and_pruned_by_age_and_count_on(
            () =>
            {
                Assert.True(File.Exists(Path.Combine(_directory, "berth.events.db")));
                return Task.CompletedTask;
            });

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
