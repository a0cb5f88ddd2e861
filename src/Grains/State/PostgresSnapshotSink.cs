using Berth.Contracts;
using Berth.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Berth.State;

/// <summary>
/// Snapshots in PostgreSQL (table <c>berth_snapshots</c>, created on first use), by default the
/// cluster's own database, for clusters without object storage. A snapshot is one row written
/// in one statement.
/// </summary>
public sealed class PostgresSnapshotSink(IOptions<BerthOptions> options, IOptions<DatabaseOptions> database) : ISnapshotSink
{
    public string Name => "postgres";

    public string? ConfigurationProblem =>
        options.Value.Snapshots.PostgresConnectionString is { Length: > 0 } || database.Value.Provider == DatabaseProvider.Postgres
            ? null
            : "the postgres sink needs Database:Provider=Postgres or Berth:Snapshots:PostgresConnectionString on this cluster";

    private string ConnectionString =>
        options.Value.Snapshots.PostgresConnectionString is { Length: > 0 } own
            ? own
            : database.Value.Provider == DatabaseProvider.Postgres
                ? database.Value.EffectiveConnectionString
                : throw new InvalidOperationException(
                    "the postgres snapshot sink needs Database:Provider=Postgres or Berth:Snapshots:PostgresConnectionString");

    /// <summary>Connection strings whose table is known to exist (the sink may use a database of its own).</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Prepared = new();

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connectionString = ConnectionString;
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        if (!Prepared.ContainsKey(connectionString))
        {
            // Idempotent; concurrent creators serialize on the advisory lock.
            await using var create = new NpgsqlCommand(
                """
                SELECT pg_advisory_lock(4242424242);
                CREATE TABLE IF NOT EXISTS berth_snapshots
                (
                    tenant_id   varchar(128) NOT NULL,
                    workload    varchar(63)  NOT NULL,
                    snapshot_id varchar(64)  NOT NULL,
                    content     bytea        NOT NULL,
                    created_at  timestamptz  NOT NULL DEFAULT now(),
                    PRIMARY KEY (tenant_id, workload, snapshot_id)
                );
                SELECT pg_advisory_unlock(4242424242);
                """, connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
            Prepared[connectionString] = true;
        }
        return connection;
    }

    public async Task WriteAsync(SnapshotKey key, Stream content, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO berth_snapshots (tenant_id, workload, snapshot_id, content)
            VALUES (@tenant, @workload, @snapshot, @content)
            ON CONFLICT (tenant_id, workload, snapshot_id) DO UPDATE SET content = EXCLUDED.content, created_at = now()
            """, connection);
        AddKey(command, key);
        command.Parameters.Add(new NpgsqlParameter("content", NpgsqlTypes.NpgsqlDbType.Bytea) { Value = content });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<Stream> OpenReadAsync(SnapshotKey key, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT content FROM berth_snapshots WHERE tenant_id = @tenant AND workload = @workload AND snapshot_id = @snapshot", connection);
        AddKey(command, key);
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new FileNotFoundException($"snapshot {key} is not in the postgres sink");
        }
        // Copied out so that the connection can close; the caller verifies it before use anyway.
        var buffer = new MemoryStream();
        await using (var stream = await reader.GetStreamAsync(0, cancellationToken))
        {
            await stream.CopyToAsync(buffer, cancellationToken);
        }
        buffer.Position = 0;
        return buffer;
    }

    public async Task DeleteAsync(SnapshotKey key, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "DELETE FROM berth_snapshots WHERE tenant_id = @tenant AND workload = @workload AND snapshot_id = @snapshot", connection);
        AddKey(command, key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> TenantsOfAsync(string workload, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT DISTINCT tenant_id FROM berth_snapshots WHERE workload = @workload ORDER BY tenant_id", connection);
        command.Parameters.AddWithValue("workload", workload);
        var tenants = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) tenants.Add(reader.GetString(0));
        return tenants;
    }

    private static void AddKey(NpgsqlCommand command, SnapshotKey key)
    {
        command.Parameters.AddWithValue("tenant", key.TenantId);
        command.Parameters.AddWithValue("workload", key.Workload);
        command.Parameters.AddWithValue("snapshot", key.SnapshotId);
    }
}
