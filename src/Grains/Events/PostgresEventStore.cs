using System.Data.Common;
using Npgsql;

namespace Berth.Events;

/// <summary>The event log in the cluster's PostgreSQL database, shared by every silo.</summary>
public sealed class PostgresEventStore(string connectionString) : SqlEventStore
{
    /// <summary>An advisory lock key of Berth's own ("berth_ev" as ASCII), held for the length of an append.</summary>
    private const long AppendLockKey = 0x62657274685F6576;

    protected override DbConnection CreateConnection() => new NpgsqlConnection(connectionString);

    protected override string[] SchemaStatements =>
    [
        """
        CREATE TABLE IF NOT EXISTS berth_events (
            seq bigserial PRIMARY KEY,
            at_unix_ms bigint NOT NULL,
            type text NOT NULL,
            tenant_id text,
            workload text,
            host_id text,
            container_id text,
            reason text,
            source text)
        """,
        "CREATE INDEX IF NOT EXISTS berth_events_tenant ON berth_events (tenant_id, seq)",
        "CREATE INDEX IF NOT EXISTS berth_events_workload ON berth_events (workload, seq)",
        "CREATE INDEX IF NOT EXISTS berth_events_at ON berth_events (at_unix_ms)",
    ];

    /// <summary>
    /// bigserial numbers rows when they are inserted, not when they commit; holding one lock from
    /// the first insert to the commit makes both orders the same.
    /// </summary>
    protected override async Task<DbTransaction> BeginAppendAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT pg_advisory_xact_lock({AppendLockKey})";
        await command.ExecuteNonQueryAsync(cancellationToken);
        return transaction;
    }
}
