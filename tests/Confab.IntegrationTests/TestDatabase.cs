using Confab.Storage.Engines;
using Confab.Storage.Migrations;
using Npgsql;

namespace Confab.IntegrationTests;

/// <summary>
/// A fresh, empty database of one engine for one test: an SQLite file in a temporary folder, or a new
/// database on the PostgreSQL cluster that scripts/test starts (CONFAB_TEST_PG). Removed on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    private readonly string? directory;

    private TestDatabase(DatabaseTarget target, string? directory)
    {
        Target = target;
        this.directory = directory;
        Url = target.Engine == DatabaseEngine.Sqlite ? $"sqlite:{target.SqlitePath}" : PostgresUrl(target);
    }

    /// <summary>Both engines, for theories: every store test runs on each.</summary>
    public static TheoryData<string> Engines => new() { Sqlite, Postgres };

    public DatabaseTarget Target { get; }

    /// <summary>The URL to hand to the CLI (with the password, unlike <see cref="DatabaseTarget.Display"/>).</summary>
    public string Url { get; }

    public DatabaseEngine Engine => Target.Engine;

    public static DatabaseTarget PostgresServer
    {
        get
        {
            var url = Environment.GetEnvironmentVariable("CONFAB_TEST_PG");
            if (string.IsNullOrWhiteSpace(url))
            {
                throw new InvalidOperationException(
                    "CONFAB_TEST_PG is not set: run the tests with scripts/test, which starts a throwaway PostgreSQL cluster");
            }

            return DatabaseUrl.Parse(url);
        }
    }

    public static async Task<TestDatabase> CreateAsync(string engine, bool create = true)
    {
        var name = $"t_{Guid.NewGuid():N}";
        if (engine == Sqlite)
        {
            var dir = Directory.CreateTempSubdirectory("confab-test-").FullName;
            var target = DatabaseUrl.Parse($"sqlite:{Path.Combine(dir, name + ".db")}");
            return new TestDatabase(target, dir);
        }

        var server = PostgresServer;
        if (create)
        {
            await PostgresDatabase.CreateDatabaseAsync(server, name, CancellationToken.None);
        }

        return new TestDatabase(PostgresDatabase.WithDatabase(server, name), null);
    }

    /// <summary>A fresh database with every shipped migration applied.</summary>
    public static async Task<TestDatabase> MigratedAsync(string engine)
    {
        var test = await CreateAsync(engine);
        await using var database = test.Open(create: true);
        await new MigrationRunner(database).MigrateAsync(new MigrateOptions(), CancellationToken.None);
        return test;
    }

    public ConfabDatabase Open(bool create = true) => ConfabDatabase.Open(Target, create);

    public async ValueTask DisposeAsync()
    {
        if (directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(directory, recursive: true);
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await PostgresDatabase.DropDatabaseAsync(PostgresServer, Target.DatabaseName!, CancellationToken.None);
    }

    private static string PostgresUrl(DatabaseTarget target)
    {
        var b = new NpgsqlConnectionStringBuilder(target.ConnectionString);
        return $"postgres://{Uri.EscapeDataString(b.Username!)}:{Uri.EscapeDataString(b.Password ?? string.Empty)}@{b.Host}:{b.Port}/{b.Database}";
    }
}
