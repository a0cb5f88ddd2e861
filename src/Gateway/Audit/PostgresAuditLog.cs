using System.Data.Common;
using Npgsql;

namespace Berth.Gateway.Audit;

/// <summary>The audit trail in the cluster's PostgreSQL database.</summary>
public sealed class PostgresAuditLog(string connectionString) : SqlAuditLog
{
    /// <summary>An advisory lock key of Berth's own ("berth_audit" as ASCII, truncated), held for the length of an append.</summary>
    private const long AppendLockKey = 0x62657274685F6175;

    protected override DbConnection CreateConnection() => new NpgsqlConnection(connectionString);

    protected override string[] SchemaStatements =>
    [
        """
        CREATE TABLE IF NOT EXISTS berth_audit (
            seq bigint PRIMARY KEY,
            at_unix_ms bigint NOT NULL,
            principal text NOT NULL,
            role text,
            action text NOT NULL,
            resource text,
            result integer NOT NULL,
            duration_us bigint NOT NULL,
            prev_hash text NOT NULL,
            hash text NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS berth_audit_principal ON berth_audit (principal, seq)",
        "CREATE INDEX IF NOT EXISTS berth_audit_resource ON berth_audit (resource, seq)",
        """
        CREATE OR REPLACE FUNCTION berth_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'berth_audit is append-only';
        END $$
        """,
        """
        DO $$ BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'berth_audit_no_change') THEN
                CREATE TRIGGER berth_audit_no_change BEFORE UPDATE OR DELETE ON berth_audit
                    FOR EACH ROW EXECUTE FUNCTION berth_audit_append_only();
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'berth_audit_no_truncate') THEN
                CREATE TRIGGER berth_audit_no_truncate BEFORE TRUNCATE ON berth_audit
                    FOR EACH STATEMENT EXECUTE FUNCTION berth_audit_append_only();
            END IF;
        END $$
        """,
    ];

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
