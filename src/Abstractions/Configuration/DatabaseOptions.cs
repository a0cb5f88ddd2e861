namespace Berth.Configuration;

/// <summary>
/// Where the cluster keeps its state (section <c>Database</c>), read by the silo and the gateway.
/// <list type="bullet">
/// <item><c>Sqlite</c> (default): grain state in a local file; one silo with localhost clustering; reminders in memory.</item>
/// <item><c>Postgres</c>: membership, grain state and reminders in PostgreSQL; any number of silos.</item>
/// <item><c>Memory</c>: nothing survives a restart (tests).</item>
/// </list>
/// </summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    public DatabaseProvider Provider { get; set; } = DatabaseProvider.Sqlite;

    /// <summary>
    /// Npgsql connection string for Postgres (e.g. <c>Host=127.0.0.1;Username=berth;Password=…;Database=berth</c>),
    /// or a Microsoft.Data.Sqlite one for Sqlite (default <c>Data Source=.berth/berth.db</c>, relative to the working directory).
    /// </summary>
    public string? ConnectionString { get; set; }

    public string EffectiveConnectionString => ConnectionString is { Length: > 0 } cs
        ? cs
        : Provider switch
        {
            DatabaseProvider.Sqlite => "Data Source=.berth/berth.db",
            DatabaseProvider.Postgres => throw new InvalidOperationException(
                "Database:Provider is Postgres but Database:ConnectionString is empty (env: Database__ConnectionString)"),
            _ => "",
        };
}

public enum DatabaseProvider
{
    Sqlite,
    Postgres,
    Memory,
}
