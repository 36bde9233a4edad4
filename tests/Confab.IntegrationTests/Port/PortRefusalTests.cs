using Confab.Storage;
using Confab.Storage.Engines;
using Confab.Storage.Migrations;
using Confab.Tools.Port;
using Confab.Tools.Seeding;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Confab.IntegrationTests.Port;

public class PortRefusalTests
{
    [Fact]
    public async Task A_foreign_database_is_refused()
    {
        await using var source = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        await using (var connection = new SqliteConnection($"Data Source={source.Target.SqlitePath}"))
        {
            await connection.OpenAsync();
            await connection.ExecuteAsync("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices (total) VALUES (9.5);");
        }

        await using var target = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);
        var error = await Assert.ThrowsAsync<StorageOperationException>(() => PortFixtures.PortAsync(source, target));

        Assert.Contains("another application", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_target_newer_than_the_source_is_refused()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 20);
        await using var target = await TestDatabase.CreateAsync(TestDatabase.Postgres);
        var newer = TestCatalogs.With(DatabaseEngine.Postgres, TestCatalogs.Next(DatabaseEngine.Postgres));
        await using (var db = target.Open())
        {
            await new MigrationRunner(db, newer).MigrateAsync(new MigrateOptions(), PortFixtures.None);
        }

        var error = await Assert.ThrowsAsync<StorageOperationException>(() =>
            PortFixtures.PortAsync(source, target, new PortOptions { TargetCatalog = newer }));

        Assert.Contains("newer than the source", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_non_empty_target_that_holds_no_port_is_refused_and_left_as_it_was()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 20);
        await using var target = await TestDatabase.MigratedAsync(TestDatabase.Postgres);
        await using (var db = target.Open())
        {
            await DemoSeed.RunAsync(db, PortFixtures.None);
        }

        var before = await PortFixtures.CountAsync(target, "messages");
        var error = await Assert.ThrowsAsync<StorageOperationException>(() => PortFixtures.PortAsync(source, target));

        Assert.Contains("not empty", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await PortFixtures.CountAsync(target, "messages"));
    }

    [Fact]
    public async Task A_target_holding_the_port_of_another_source_is_refused()
    {
        await using var first = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 20);
        await using var second = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 20);
        await using var target = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);
        await PortFixtures.PortAsync(first, target);

        var error = await Assert.ThrowsAsync<StorageOperationException>(() => PortFixtures.PortAsync(second, target, new PortOptions { Incremental = true }));

        Assert.Contains("another database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_corrupt_sqlite_file_is_refused_before_anything_is_written()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 400);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await using (var connection = new SqliteConnection($"Data Source={source.Target.SqlitePath}"))
        {
            await connection.OpenAsync();
            await connection.ExecuteAsync("PRAGMA wal_checkpoint(TRUNCATE)");
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await using (var file = File.Open(source.Target.SqlitePath!, FileMode.Open, FileAccess.ReadWrite))
        {
            // Scribble over pages in the middle of the file, past the schema.
            file.Position = file.Length / 2;
            await file.WriteAsync(Enumerable.Repeat((byte)0x5A, 16384).ToArray());
        }

        await using var target = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => PortFixtures.PortAsync(source, target));

        Assert.IsType<StorageOperationException>(error);
        Assert.Contains("damaged", error.Message, StringComparison.Ordinal);
        await using var db = target.Open();
        Assert.False(await db.ExistsAsync(PortFixtures.None));
    }

    [Fact]
    public async Task A_locked_sqlite_file_is_refused_with_a_clear_message()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 20);

        // Idle pooled handles of the fixture keep the WAL index mapped; the exclusive lock needs them closed.
        SqliteConnection.ClearAllPools();
        await using var holder = new SqliteConnection($"Data Source={source.Target.SqlitePath};Default Timeout=60");
        await holder.OpenAsync();
        await holder.ExecuteAsync("PRAGMA locking_mode = EXCLUSIVE");
        await holder.ExecuteAsync("BEGIN EXCLUSIVE");
        await using var target = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);
        var locked = DatabaseUrl.Parse($"sqlite:{source.Target.SqlitePath}?busy_timeout=300");

        var error = await Assert.ThrowsAnyAsync<Exception>(() => PortFixtures.PortAsync(locked, target.Target));

        Assert.Contains("locked", error.Message, StringComparison.OrdinalIgnoreCase);
        await holder.ExecuteAsync("ROLLBACK");
    }

    [Fact]
    public async Task A_dry_run_prints_the_plan_and_writes_nothing()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 50);
        await using var target = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);

        var (code, output, error) = await ConfabProcess.RunAsync("db", "port", "--from", source.Url, "--to", target.Url, "--dry-run");

        Assert.True(code == 0, output + error);
        Assert.Contains("Dry run: nothing was written.", output, StringComparison.Ordinal);
        Assert.Matches(@"messages\s+\d[\d,]* rows", output);
        Assert.Contains("estimated copy time", output, StringComparison.Ordinal);
        await using var db = target.Open();
        Assert.False(await db.ExistsAsync(PortFixtures.None));
    }

    [Fact]
    public async Task Bad_flags_are_usage_errors()
    {
        var (code, _, error) = await ConfabProcess.RunAsync("db", "port", "--from", "sqlite:a.db", "--to", "sqlite:b.db", "--on-bad-rows", "skip");
        Assert.Equal(2, code);
        Assert.Contains("--rejects", error, StringComparison.Ordinal);

        (code, _, error) = await ConfabProcess.RunAsync("db", "port", "--from", "sqlite:a.db", "--to", "sqlite:a.db");
        Assert.Equal(2, code);
        Assert.Contains("same database", error, StringComparison.Ordinal);

        (code, _, error) = await ConfabProcess.RunAsync("db", "port", "--from", "sqlite:a.db", "--to", "sqlite:b.db", "--resume", "--incremental");
        Assert.Equal(2, code);
    }
}
