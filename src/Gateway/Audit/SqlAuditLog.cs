using System.Data.Common;
using System.Runtime.CompilerServices;

namespace Berth.Gateway.Audit;

/// <summary>
/// The audit trail in table <c>berth_audit</c>, shared by every gateway of the cluster. Appends
/// take a database lock, read the last entry and chain onto it, so entries from several gateways
/// form one chain. Triggers refuse UPDATE and DELETE: the table is append-only.
/// </summary>
public abstract class SqlAuditLog : IAuditLog
{
    private const string Columns = "seq, at_unix_ms, principal, role, action, resource, result, duration_us, prev_hash, hash";

    protected abstract DbConnection CreateConnection();

    /// <summary>The statements that create the table and its triggers; each is idempotent.</summary>
    protected abstract string[] SchemaStatements { get; }

    /// <summary>Opens the transaction that serializes appends across gateways.</summary>
    protected abstract Task<DbTransaction> BeginAppendAsync(DbConnection connection, CancellationToken cancellationToken);

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await using var connection = CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await BeginAppendAsync(connection, cancellationToken);
        foreach (var statement in SchemaStatements)
        {
            await using var command = Command(connection, transaction, statement);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task AppendAsync(IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        await using var connection = CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await BeginAppendAsync(connection, cancellationToken);
        AuditRecord? last;
        await using (var command = Command(connection, transaction, $"SELECT {Columns} FROM berth_audit ORDER BY seq DESC LIMIT 1"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            last = await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
        }
        foreach (var e in events)
        {
            var record = AuditChain.Next(last, e);
            await using var insert = Command(connection, transaction,
                $"INSERT INTO berth_audit ({Columns}) VALUES (@seq, @at, @principal, @role, @action, @resource, @result, @duration, @prev, @hash)");
            Add(insert, "seq", record.Seq);
            Add(insert, "at", record.Event.At.ToUnixTimeMilliseconds());
            Add(insert, "principal", record.Event.Principal);
            Add(insert, "role", record.Event.Role);
            Add(insert, "action", record.Event.Action);
            Add(insert, "resource", record.Event.Resource);
            Add(insert, "result", record.Event.Result);
            Add(insert, "duration", record.Event.DurationMicroseconds);
            Add(insert, "prev", record.PrevHash);
            Add(insert, "hash", record.Hash);
            await insert.ExecuteNonQueryAsync(cancellationToken);
            last = record;
        }
        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AuditRecord>> QueryAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await using var connection = CreateConnection();
        await connection.OpenAsync(cancellationToken);
        var where = new List<string>();
        await using var command = connection.CreateCommand();
        if (query.Principal is not null)
        {
            where.Add("principal = @principal");
            Add(command, "principal", query.Principal);
        }
        if (query.Resource is not null)
        {
            // A prefix compared with substr, not LIKE, so that '%' and '_' in ids mean themselves.
            where.Add("(resource = @resource OR substr(resource, 1, @prefixLength) = @prefix)");
            Add(command, "resource", query.Resource);
            Add(command, "prefix", query.Resource + "/");
            Add(command, "prefixLength", query.Resource.Length + 1);
        }
        if (query.Since is { } since)
        {
            where.Add("at_unix_ms >= @since");
            Add(command, "since", since.ToUnixTimeMilliseconds());
        }
        if (query.Until is { } until)
        {
            where.Add("at_unix_ms <= @until");
            Add(command, "until", until.ToUnixTimeMilliseconds());
        }
        command.CommandText = $"SELECT {Columns} FROM berth_audit{(where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")} ORDER BY seq DESC LIMIT {query.Limit}";
        var records = new List<AuditRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) records.Add(Read(reader));
        return records;
    }

    public async IAsyncEnumerable<AuditRecord> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = CreateConnection();
        await connection.OpenAsync(cancellationToken);
        await using var command = Command(connection, null, $"SELECT {Columns} FROM berth_audit ORDER BY seq");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) yield return Read(reader);
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

    private static AuditRecord Read(DbDataReader reader) => new(
        reader.GetInt64(0),
        new AuditEvent(
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
            reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetString(3),
            reader.GetString(4),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.GetInt32(6),
            reader.GetInt64(7)),
        reader.GetString(8),
        reader.GetString(9));
}
