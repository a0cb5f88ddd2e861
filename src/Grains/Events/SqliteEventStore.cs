using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Berth.Events;

/// <summary>
/// The event log of the embedded default, in a SQLite file beside the grain state's
/// (<c>berth.db</c> → <c>berth.events.db</c>), so that event writes never wait on the grain
/// state's write lock, nor grain writes on the events'.
/// </summary>
public sealed class SqliteEventStore(string stateConnectionString) : SqlEventStore
{
    private readonly string _connectionString = EventsConnectionString(stateConnectionString);

    public static string EventsConnectionString(string stateConnectionString)
    {
        var builder = new SqliteConnectionStringBuilder(stateConnectionString);
        var source = builder.DataSource;
        if (source.Length > 0 && source != ":memory:" && !source.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            builder.DataSource = Path.ChangeExtension(source, null) + ".events.db";
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(builder.DataSource))!);
        }
        return builder.ToString();
    }

    protected override DbConnection CreateConnection() => new SqliteConnection(_connectionString);

    protected override string[] SchemaStatements =>
    [
        // WAL: the feed reads while the writer appends.
        "PRAGMA journal_mode=WAL",
        // AUTOINCREMENT: a pruned sequence is never handed out again, so a cursor stays meaningful.
        """
        CREATE TABLE IF NOT EXISTS berth_events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            at_unix_ms INTEGER NOT NULL,
            type TEXT NOT NULL,
            tenant_id TEXT,
            workload TEXT,
            host_id TEXT,
            container_id TEXT,
            reason TEXT,
            source TEXT)
        """,
        "CREATE INDEX IF NOT EXISTS berth_events_tenant ON berth_events (tenant_id, seq)",
        "CREATE INDEX IF NOT EXISTS berth_events_workload ON berth_events (workload, seq)",
        "CREATE INDEX IF NOT EXISTS berth_events_at ON berth_events (at_unix_ms)",
    ];

    /// <summary>BEGIN IMMEDIATE: the write lock is taken before the first insert.</summary>
    protected override Task<DbTransaction> BeginAppendAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
}
