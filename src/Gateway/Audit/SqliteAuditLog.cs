using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Berth.Gateway.Audit;

/// <summary>
/// The audit trail of the embedded default, in a SQLite file beside the grain state's
/// (<c>berth.db</c> → <c>berth.audit.db</c>): one file each, so that the audit writer never waits
/// on the silo's write lock, nor the silo on the audit's.
/// </summary>
public sealed class SqliteAuditLog(string stateConnectionString) : SqlAuditLog
{
    private readonly string _connectionString = AuditConnectionString(stateConnectionString);

    public static string AuditConnectionString(string stateConnectionString)
    {
        var builder = new SqliteConnectionStringBuilder(stateConnectionString);
        var source = builder.DataSource;
        if (source.Length > 0 && source != ":memory:" && !source.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            builder.DataSource = Path.ChangeExtension(source, null) + ".audit.db";
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(builder.DataSource))!);
        }
        return builder.ToString();
    }

    protected override DbConnection CreateConnection() => new SqliteConnection(_connectionString);

    protected override string[] SchemaStatements =>
    [
        """
        CREATE TABLE IF NOT EXISTS berth_audit (
            seq INTEGER PRIMARY KEY,
            at_unix_ms INTEGER NOT NULL,
            principal TEXT NOT NULL,
            role TEXT,
            action TEXT NOT NULL,
            resource TEXT,
            result INTEGER NOT NULL,
            duration_us INTEGER NOT NULL,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL)
        """,
        "CREATE INDEX IF NOT EXISTS berth_audit_principal ON berth_audit (principal, seq)",
        "CREATE INDEX IF NOT EXISTS berth_audit_resource ON berth_audit (resource, seq)",
        "CREATE TRIGGER IF NOT EXISTS berth_audit_no_update BEFORE UPDATE ON berth_audit BEGIN SELECT RAISE(ABORT, 'berth_audit is append-only'); END",
        "CREATE TRIGGER IF NOT EXISTS berth_audit_no_delete BEFORE DELETE ON berth_audit BEGIN SELECT RAISE(ABORT, 'berth_audit is append-only'); END",
    ];

    /// <summary>BEGIN IMMEDIATE: the write lock is taken before the last entry is read.</summary>
    protected override Task<DbTransaction> BeginAppendAsync(DbConnection connection, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
}
