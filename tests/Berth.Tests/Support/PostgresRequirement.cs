using Npgsql;

namespace Berth.Tests.Support;

/// <summary>
/// Whether PostgreSQL answers (scripts/ensure-postgres.sh sets it up). Like Docker: tests skip
/// locally with the reason, and fail loudly in CI (CI=true or BERTH_REQUIRE_POSTGRES=1).
/// </summary>
public static class PostgresRequirement
{
    /// <summary>A role that may create databases; each test deployment gets a database of its own.</summary>
    public static string AdminConnectionString =>
        Environment.GetEnvironmentVariable("BERTH_TEST_PG")
        ?? "Host=127.0.0.1;Port=5432;Username=berth;Password=berth-dev-only;Database=berth;Pooling=false";

    private static readonly Lazy<string?> Problem = new(Probe);

    public static bool Required =>
        Environment.GetEnvironmentVariable("BERTH_REQUIRE_POSTGRES") == "1"
        || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Unavailable => Problem.Value;

    private static string? Probe()
    {
        try
        {
            using var connection = new NpgsqlConnection(AdminConnectionString);
            connection.Open();
            return null;
        }
        catch (Exception ex)
        {
            return $"PostgreSQL did not answer ({ex.Message}); run scripts/ensure-postgres.sh";
        }
    }

    /// <summary>Creates a fresh database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string name)
    {
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name, Pooling = true }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
