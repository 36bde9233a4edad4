using System.Text.Json;
using Confab.Storage.Engines;
using Dapper;
using Npgsql;

namespace Confab.IntegrationTests;

/// <summary>The documented exit codes and messages, seen from outside the process as a script would see them.</summary>
public class CliProcessTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Migrate_seed_status_and_verify_schema_succeed_on_a_fresh_database(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine, create: false);
        Assert.Equal(0, (await ConfabProcess.RunAsync("db", "migrate", "--db", test.Url)).Code);
        Assert.Equal(0, (await ConfabProcess.RunAsync("db", "seed", "--db", test.Url)).Code);
        var status = await ConfabProcess.RunAsync("db", "status", "--json", "--db", test.Url);
        Assert.Equal(0, status.Code);
        using var json = JsonDocument.Parse(status.Output);
        Assert.Equal(TestCatalogs.Shipped(test.Engine), json.RootElement.GetProperty("currentVersion").GetInt64());
        Assert.Equal("applied", json.RootElement.GetProperty("migrations")[0].GetProperty("state").GetString());
        Assert.Equal(0, (await ConfabProcess.RunAsync("db", "verify-schema", "--db", test.Url)).Code);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Verify_schema_exits_1_and_names_the_difference(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using (var db = test.Open())
        await using (var connection = await db.OpenConnectionAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("DROP INDEX audit_log_action_idx");
        }

        var (code, output, _) = await ConfabProcess.RunAsync("db", "verify-schema", "--json", "--db", test.Url);
        Assert.Equal(1, code);
        Assert.Contains("index audit_log_action_idx is missing", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Two_migrate_processes_started_together_both_succeed_and_apply_each_migration_once(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine, create: false);
        var results = await Task.WhenAll(ConfabProcess.RunAsync("db", "migrate", "--db", test.Url), ConfabProcess.RunAsync("db", "migrate", "--db", test.Url));
        Assert.All(results, r => Assert.True(r.Code == 0, r.Error));
        await using var db = test.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        Assert.Equal(TestCatalogs.Shipped(test.Engine), await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Migrating_to_a_version_that_does_not_exist_is_a_usage_error()
    {
        await using var test = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var (code, _, error) = await ConfabProcess.RunAsync("db", "migrate", "--to", "999", "--db", test.Url);
        Assert.Equal(2, code);
        Assert.Contains("there is no migration 999", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dry_run_prints_the_sql_and_leaves_no_file_behind()
    {
        var path = Path.Combine(Path.GetTempPath(), $"confab-dry-{Guid.NewGuid():N}.db");
        var (code, output, _) = await ConfabProcess.RunAsync("db", "migrate", "--dry-run", "--db", $"sqlite:{path}");
        Assert.Equal(0, code);
        Assert.Contains("CREATE TABLE users", output, StringComparison.Ordinal);
        Assert.Contains("INSERT INTO schema_migrations", output, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_wrong_password_exits_3_without_printing_it()
    {
        var server = new NpgsqlConnectionStringBuilder(TestDatabase.PostgresServer.ConnectionString);
        var url = $"postgres://{server.Username}:wrong-secret-42@{server.Host}:{server.Port}/postgres";
        var (code, output, error) = await ConfabProcess.RunAsync("db", "status", "--db", url);
        Assert.Equal(3, code);
        Assert.Contains("password authentication failed", error, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-secret-42", error + output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreachable_server_exits_3()
    {
        var (code, _, error) = await ConfabProcess.RunAsync("db", "status", "--db", "postgres://confab:pw@127.0.0.1:1/chat?connect_timeout=2");
        Assert.Equal(3, code);
        Assert.Contains("cannot reach the server", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_postgres_database_exits_3_for_status()
    {
        var url = PostgresUrl($"missing_{Guid.NewGuid():N}");
        var (code, _, error) = await ConfabProcess.RunAsync("db", "status", "--db", url);
        Assert.Equal(3, code);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_exits_3()
    {
        var path = Path.Combine(Path.GetTempPath(), $"confab-junk-{Guid.NewGuid():N}.db");
        await File.WriteAllTextAsync(path, new string('x', 4096));
        try
        {
            var (code, _, error) = await ConfabProcess.RunAsync("db", "status", "--db", $"sqlite:{path}");
            Assert.Equal(3, code);
            Assert.Contains("not an SQLite database", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Status_exits_1_on_drift_and_reset_rebuilds_an_empty_schema(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using (var db = test.Open())
        await using (var connection = await db.OpenConnectionAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");
        }

        var status = await ConfabProcess.RunAsync("db", "status", "--db", test.Url);
        Assert.Equal(1, status.Code);
        Assert.Contains("drift", status.Output, StringComparison.Ordinal);
        var refused = await ConfabProcess.RunAsync("db", "migrate", "--db", test.Url);
        Assert.Equal(1, refused.Code);
        Assert.Contains("drift", refused.Error, StringComparison.Ordinal);
        Assert.Equal(2, (await ConfabProcess.RunAsync("db", "repair", "--db", test.Url)).Code);
        Assert.Equal(0, (await ConfabProcess.RunAsync("db", "repair", "--yes", "--db", test.Url)).Code);
        Assert.Equal(0, (await ConfabProcess.RunAsync("db", "status", "--db", test.Url)).Code);

        Assert.Equal(0, (await ConfabProcess.RunAsync("db", "seed", "--db", test.Url)).Code);
        Assert.Equal(0, (await ConfabProcess.RunAsync("db", "reset", "--yes", "--db", test.Url)).Code);
        await using var after = test.Open();
        await using var check = await after.OpenConnectionAsync(CancellationToken.None);
        Assert.Equal(0, await check.ExecuteScalarAsync<long>("SELECT count(*) FROM users"));
    }

    private static string PostgresUrl(string database)
    {
        var b = new NpgsqlConnectionStringBuilder(TestDatabase.PostgresServer.ConnectionString);
        return $"postgres://{b.Username}:{b.Password}@{b.Host}:{b.Port}/{database}";
    }
}
