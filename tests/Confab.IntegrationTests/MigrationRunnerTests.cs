using Confab.Storage;
using Confab.Storage.Engines;
using Confab.Storage.Migrations;
using Dapper;

namespace Confab.IntegrationTests;

public class MigrationRunnerTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_second_migrate_has_nothing_to_do_and_the_journal_keeps_full_history(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await using var database = test.Open();
        var catalog = TestCatalogs.With(test.Engine, TestCatalogs.Next(test.Engine));
        var runner = new MigrationRunner(database, catalog);
        var first = await runner.MigrateAsync(new MigrateOptions(), None);
        var second = await runner.MigrateAsync(new MigrateOptions(), None);

        Assert.Equal(catalog.Migrations.Count, first.Steps.Count);
        Assert.Empty(second.Steps);
        var status = await runner.StatusAsync(None);
        Assert.All(status.Migrations, m => Assert.Equal(MigrationState.Applied, m.State));
        Assert.All(status.Migrations, m => Assert.NotNull(m.AppliedAt));
        Assert.Equal(catalog.LatestVersion, status.CurrentVersion);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_changed_applied_file_is_drift_that_migrate_refuses_until_repaired(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await using var database = test.Open();
        var (stem, up, down) = TestCatalogs.Next(test.Engine);
        await new MigrationRunner(database, TestCatalogs.With(test.Engine, (stem, up, down))).MigrateAsync(new MigrateOptions(), None);

        var edited = TestCatalogs.With(test.Engine, (stem, up + "\n-- a later edit\n", down));
        var runner = new MigrationRunner(database, edited);
        var status = await runner.StatusAsync(None);
        Assert.Equal(MigrationState.Drift, status.Migrations[^1].State);

        var refused = await Assert.ThrowsAsync<StorageOperationException>(() => runner.MigrateAsync(new MigrateOptions(), None));
        Assert.Contains("drift", refused.Message, StringComparison.Ordinal);
        await runner.MigrateAsync(new MigrateOptions { AllowDrift = true }, None);

        var repaired = await runner.RepairAsync(None);
        Assert.Single(repaired);
        Assert.False((await runner.StatusAsync(None)).HasDrift);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Line_endings_alone_are_not_drift(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await using var database = test.Open();
        var (stem, up, down) = TestCatalogs.Next(test.Engine);
        await new MigrationRunner(database, TestCatalogs.With(test.Engine, (stem, up + "\n", down))).MigrateAsync(new MigrateOptions(), None);
        var status = await new MigrationRunner(database, TestCatalogs.With(test.Engine, (stem, up + "\r\n", down))).StatusAsync(None);
        Assert.False(status.HasDrift);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_pending_migration_below_an_applied_one_is_refused_unless_allowed(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await using var database = test.Open();
        var shipped = TestCatalogs.Shipped(test.Engine);
        var second = ($"{shipped + 2:D4}_second", "CREATE TABLE later_one (id BIGINT NOT NULL PRIMARY KEY);", "DROP TABLE later_one;");
        var first = ($"{shipped + 1:D4}_first", "CREATE TABLE earlier_one (id BIGINT NOT NULL PRIMARY KEY);", "DROP TABLE earlier_one;");
        await new MigrationRunner(database, TestCatalogs.With(test.Engine, second)).MigrateAsync(new MigrateOptions(), None);

        var runner = new MigrationRunner(database, TestCatalogs.With(test.Engine, first, second));
        var status = await runner.StatusAsync(None);
        Assert.True(status.Migrations.Single(m => m.Version == shipped + 1).OutOfOrder);
        var refused = await Assert.ThrowsAsync<StorageOperationException>(() => runner.MigrateAsync(new MigrateOptions(), None));
        Assert.Contains("--allow-out-of-order", refused.Message, StringComparison.Ordinal);

        var applied = await runner.MigrateAsync(new MigrateOptions { AllowOutOfOrder = true }, None);
        Assert.Equal([shipped + 1], applied.Steps.Select(s => s.Migration.Version));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_failing_migration_rolls_back_and_reports_file_line_and_engine_message(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await using var database = test.Open();
        var shipped = TestCatalogs.Shipped(test.Engine);
        var broken = ($"{shipped + 1:D4}_broken",
            "CREATE TABLE half_built (id BIGINT NOT NULL PRIMARY KEY);\n\nINSERT INTO no_such_table VALUES (1);\n",
            "DROP TABLE half_built;");
        var runner = new MigrationRunner(database, TestCatalogs.With(test.Engine, broken));

        var failure = await Assert.ThrowsAsync<MigrationFailedException>(() => runner.MigrateAsync(new MigrateOptions(), None));
        Assert.Contains($"{engine}/{shipped + 1:D4}_broken.up.sql failed at line 3", failure.Message, StringComparison.Ordinal);
        Assert.Contains("no_such_table", failure.Message, StringComparison.Ordinal);

        var status = await runner.StatusAsync(None);
        Assert.Equal(shipped, status.CurrentVersion);
        await using var connection = await database.OpenConnectionAsync(None);
        var tables = await MigrationDialect.For(database).ListTablesAsync(connection, None);
        Assert.DoesNotContain("half_built", tables);
        Assert.Contains("messages", tables);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_dry_run_creates_nothing_and_changes_nothing(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine, create: false);
        await using (var database = test.Open(create: false))
        {
            var plan = await new MigrationRunner(database).MigrateAsync(new MigrateOptions { DryRun = true }, None);
            Assert.True(plan.DryRun);
            Assert.NotEmpty(plan.Steps);
            Assert.False(await database.ExistsAsync(None));
        }

        if (engine == TestDatabase.Postgres)
        {
            await PostgresDatabase.CreateDatabaseAsync(TestDatabase.PostgresServer, test.Target.DatabaseName!, None);
        }

        await using var migrated = test.Open();
        await new MigrationRunner(migrated).MigrateAsync(new MigrateOptions(), None);
        var next = TestCatalogs.With(test.Engine, TestCatalogs.Next(test.Engine));
        var dry = await new MigrationRunner(migrated, next).MigrateAsync(new MigrateOptions { DryRun = true }, None);
        Assert.Single(dry.Steps);
        Assert.Equal(1, (await new MigrationRunner(migrated, next).StatusAsync(None)).PendingCount);
        var rollbackPlan = await new MigrationRunner(migrated).RollbackAsync(new RollbackOptions { TargetVersion = 0, DryRun = true }, None);
        Assert.NotEmpty(rollbackPlan.Steps);
        Assert.Equal(TestCatalogs.Shipped(test.Engine), (await new MigrationRunner(migrated).StatusAsync(None)).CurrentVersion);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_database_newer_than_this_build_is_refused(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var database = test.Open();
        await using (var connection = await database.OpenConnectionAsync(None))
        {
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at, execution_ms) VALUES (99, 'from_the_future', 'x', @at, 1)",
                new { at = DateTime.UtcNow });
        }

        var refused = await Assert.ThrowsAsync<StorageOperationException>(() => new MigrationRunner(database).MigrateAsync(new MigrateOptions(), None));
        Assert.Equal($"database is at version 99; this confab knows up to {TestCatalogs.Shipped(test.Engine)}", refused.Message);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_database_of_another_application_is_refused_before_anything_is_written(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await using var database = test.Open();
        await using (var connection = await database.OpenConnectionAsync(None))
        {
            await connection.ExecuteAsync("CREATE TABLE orders (id BIGINT PRIMARY KEY, total BIGINT)");
        }

        var refused = await Assert.ThrowsAsync<StorageOperationException>(() => new MigrationRunner(database).MigrateAsync(new MigrateOptions(), None));
        Assert.Contains("another application", refused.Message, StringComparison.Ordinal);
        await using var check = await database.OpenConnectionAsync(None);
        Assert.Equal(["orders"], await MigrationDialect.For(database).ListTablesAsync(check, None));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_foreign_schema_migrations_table_is_not_mistaken_for_ours(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await using var database = test.Open();
        await using (var connection = await database.OpenConnectionAsync(None))
        {
            await connection.ExecuteAsync("CREATE TABLE schema_migrations (version TEXT PRIMARY KEY)");
        }

        var refused = await Assert.ThrowsAsync<StorageOperationException>(() => new MigrationRunner(database).MigrateAsync(new MigrateOptions(), None));
        Assert.Contains("not Confab's", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Concurrent_runners_apply_each_migration_exactly_once(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine, create: false);
        var catalog = TestCatalogs.With(test.Engine, TestCatalogs.Next(test.Engine));
        var databases = Enumerable.Range(0, 4).Select(_ => test.Open()).ToList();
        try
        {
            var results = await Task.WhenAll(databases.Select(d => new MigrationRunner(d, catalog).MigrateAsync(new MigrateOptions(), None)));
            Assert.Equal(catalog.Migrations.Count, results.Sum(r => r.Steps.Count(s => !s.DoneByOtherRunner)));
            await using var connection = await databases[0].OpenConnectionAsync(None);
            var versions = (await connection.QueryAsync<long>("SELECT version FROM schema_migrations ORDER BY version")).ToList();
            Assert.Equal(catalog.Migrations.Select(m => m.Version), versions);
        }
        finally
        {
            foreach (var database in databases)
            {
                await database.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_postgres_migration_may_run_outside_a_transaction_for_a_concurrent_index_build()
    {
        await using var test = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        await using var database = test.Open();
        var shipped = TestCatalogs.Shipped(DatabaseEngine.Postgres);
        var concurrent = ($"{shipped + 1:D4}_index_display_names",
            "-- confab:no-transaction\nCREATE INDEX CONCURRENTLY users_display_name_idx ON users (display_name);",
            "-- confab:no-transaction\nDROP INDEX CONCURRENTLY users_display_name_idx;");
        var runner = new MigrationRunner(database, TestCatalogs.With(DatabaseEngine.Postgres, concurrent));
        var result = await runner.MigrateAsync(new MigrateOptions(), None);
        Assert.False(result.Steps[^1].InTransaction);
        await runner.RollbackAsync(new RollbackOptions(), None);

        var twoStatements = ($"{shipped + 1:D4}_index_display_names",
            "-- confab:no-transaction\nCREATE INDEX CONCURRENTLY a_idx ON users (display_name);\nCREATE INDEX CONCURRENTLY b_idx ON users (bio);",
            "SELECT 1;");
        var refused = await Assert.ThrowsAsync<StorageOperationException>(
            () => new MigrationRunner(database, TestCatalogs.With(DatabaseEngine.Postgres, twoStatements)).MigrateAsync(new MigrateOptions(), None));
        Assert.Contains("exactly one statement", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_creates_a_missing_postgres_database()
    {
        await using var test = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);
        await using var database = test.Open();
        Assert.False(await database.ExistsAsync(None));
        await new MigrationRunner(database).MigrateAsync(new MigrateOptions(), None);
        Assert.True(await database.ExistsAsync(None));
    }
}
