using System.Reflection;
using Berth.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Berth.Silo.Database;

/// <summary>
/// Applies the project's own Orleans ADO.NET schema scripts (embedded resources under
/// <c>Database/</c>) before the silo starts. Every script is idempotent; on PostgreSQL an advisory
/// lock also serializes silos that start at the same moment.
/// </summary>
public static class SchemaInstaller
{
    /// <summary>Any fixed number, shared by every Berth silo: the lock that serializes schema changes.</summary>
    private const long AdvisoryLockKey = 0x4265727468; // "Berth"

    public static async Task ApplyAsync(DatabaseOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        switch (options.Provider)
        {
            case DatabaseProvider.Postgres:
                await WithRetryAsync(() => ApplyPostgresAsync(options.EffectiveConnectionString, cancellationToken), "PostgreSQL", logger, cancellationToken);
                break;
            case DatabaseProvider.Sqlite:
                await ApplySqliteAsync(options.EffectiveConnectionString, cancellationToken);
                break;
        }
        if (options.Provider != DatabaseProvider.Memory)
        {
            logger.LogInformation("Database schema is in place ({Provider})", options.Provider);
        }
    }

    private static async Task ApplyPostgresAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_lock({AdvisoryLockKey})", connection))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            foreach (var script in Scripts("Postgres"))
            {
                await using var command = new NpgsqlCommand(script, connection);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }
        finally
        {
            await using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({AdvisoryLockKey})", connection);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static async Task ApplySqliteAsync(string connectionString, CancellationToken cancellationToken)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (Path.GetDirectoryName(Path.GetFullPath(builder.DataSource)) is { } directory)
        {
            Directory.CreateDirectory(directory);
        }
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        // WAL halves the cost of a grain write and lets readers run beside the writer; it is a
        // property of the file, so setting it once here is enough.
        await using (var wal = new SqliteCommand("PRAGMA journal_mode=WAL;", connection))
        {
            await wal.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var script in Scripts("Sqlite"))
        {
            await using var command = new SqliteCommand(script, connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    /// <summary>The embedded scripts of one database, in file-name order (001-…, 002-…).</summary>
    private static IEnumerable<string> Scripts(string database)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var prefix = $"{assembly.GetName().Name}.Database.{database}.";
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            yield return reader.ReadToEnd();
        }
    }

    /// <summary>A database that is still starting (all silos and the database come up together) gets a minute.</summary>
    private static async Task WithRetryAsync(Func<Task> apply, string what, ILogger logger, CancellationToken cancellationToken)
    {
        var giveUpAt = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            try
            {
                await apply();
                return;
            }
            catch (NpgsqlException ex) when (DateTimeOffset.UtcNow < giveUpAt && ex.IsTransient)
            {
                logger.LogWarning("{What} is not reachable yet ({Error}); retrying", what, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }
}
