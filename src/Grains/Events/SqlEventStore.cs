using System.Data.Common;
using Berth.Contracts;

namespace Berth.Events;

/// <summary>
/// The event log in table <c>berth_events</c>, shared by every silo of the cluster. Like the audit
/// trail (src/Gateway/Audit/SqlAuditLog.cs) appends run in a transaction that first takes the
/// database's write lock, so sequences are handed out in commit order: a reader's cursor never
/// skips an event committed late with a lower number.
/// </summary>
public abstract class SqlEventStore : IEventStore
{
    private const string Columns = "seq, at_unix_ms, type, tenant_id, workload, host_id, container_id, reason, source";

    protected abstract DbConnection CreateConnection();

    /// <summary>The statements that create the table and its indexes; each is idempotent.</summary>
    protected abstract string[] SchemaStatements { get; }

    /// <summary>Opens the transaction that serializes appends across silos.</summary>
    protected abstract Task<DbTransaction> BeginAppendAsync(DbConnection connection, CancellationToken cancellationToken);

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        foreach (var statement in SchemaStatements)
        {
            await using var command = Command(connection, null, statement);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public async Task AppendAsync(IReadOnlyList<BerthEvent> events, CancellationToken cancellationToken)
    {
        if (events.Count == 0) return;
        await using var connection = await OpenAsync(cancellationToken);
        await using var transaction = await BeginAppendAsync(connection, cancellationToken);
        foreach (var e in events)
        {
            await using var insert = Command(connection, transaction,
                "INSERT INTO berth_events (at_unix_ms, type, tenant_id, workload, host_id, container_id, reason, source) "
                + "VALUES (@at, @type, @tenant, @workload, @host, @container, @reason, @source)");
            Add(insert, "at", e.At.ToUnixTimeMilliseconds());
            Add(insert, "type", BerthEventNames.Of(e.Type));
            Add(insert, "tenant", e.TenantId);
            Add(insert, "workload", e.Workload);
            Add(insert, "host", e.HostId);
            Add(insert, "container", e.ContainerId);
            Add(insert, "reason", e.Reason);
            Add(insert, "source", e.Source?.ToString());
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<BerthEvent>> ReadAsync(EventQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        var where = new List<string>();
        if (query.Since is { } since)
        {
            where.Add("seq > @since");
            Add(command, "since", since);
        }
        if (query.TenantId is not null)
        {
            where.Add("tenant_id = @tenant");
            Add(command, "tenant", query.TenantId);
        }
        if (query.Workload is not null)
        {
            where.Add("workload = @workload");
            Add(command, "workload", query.Workload);
        }
        if (query.Types is { Length: > 0 } types)
        {
            var names = new List<string>();
            for (var i = 0; i < types.Length; i++)
            {
                names.Add($"@type{i}");
                Add(command, $"type{i}", BerthEventNames.Of(types[i]));
            }
            where.Add($"type IN ({string.Join(", ", names)})");
        }
        // Without a cursor the newest events are wanted; they are turned oldest-first below.
        var order = query.Since is null ? "DESC" : "ASC";
        command.CommandText = $"SELECT {Columns} FROM berth_events{(where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")} "
            + $"ORDER BY seq {order} LIMIT {Math.Max(1, query.Limit)}";
        var events = new List<BerthEvent>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (Read(reader) is { } e) events.Add(e);
            }
        }
        if (query.Since is null) events.Reverse();
        return events;
    }

    public async Task<long> LatestSequenceAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var command = Command(connection, null, "SELECT COALESCE(MAX(seq), 0) FROM berth_events");
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<int> PruneAsync(DateTimeOffset olderThan, long maxRows, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken);
        await using var byAge = Command(connection, null, "DELETE FROM berth_events WHERE at_unix_ms < @cutoff");
        Add(byAge, "cutoff", olderThan.ToUnixTimeMilliseconds());
        var deleted = await byAge.ExecuteNonQueryAsync(cancellationToken);
        await using var byCount = Command(connection, null, "DELETE FROM berth_events WHERE seq <= (SELECT MAX(seq) FROM berth_events) - @max");
        Add(byCount, "max", maxRows);
        return deleted + await byCount.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    /// <summary>Null for a row of a type this version does not know (written by a newer silo): skipped, not a failure.</summary>
    private static BerthEvent? Read(DbDataReader reader)
    {
        if (!BerthEventNames.TryParse(reader.GetString(2), out var type)) return null;
        string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
        return new BerthEvent(
            reader.GetInt64(0),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
            type,
            Text(3), Text(4), Text(5), Text(6), Text(7),
            Enum.TryParse<ClaimSource>(Text(8), out var source) ? source : null);
    }
}
