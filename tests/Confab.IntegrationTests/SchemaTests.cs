using Confab.Storage.Engines;
using Confab.Storage.Migrations;
using Confab.Storage.Schema;
using Dapper;

namespace Confab.IntegrationTests;

public class SchemaTests
{
    [Fact]
    public async Task Both_dialects_have_the_same_tables_columns_types_keys_and_named_constraints()
    {
        await using var sqlite = await TestDatabase.MigratedAsync(TestDatabase.Sqlite);
        await using var postgres = await TestDatabase.MigratedAsync(TestDatabase.Postgres);
        await using var a = sqlite.Open();
        await using var b = postgres.Open();
        var sqliteSchema = await SchemaReader.ReadAsync(a, CancellationToken.None);
        var postgresSchema = await SchemaReader.ReadAsync(b, CancellationToken.None);

        Assert.Empty(SchemaComparer.Compare(postgresSchema, sqliteSchema, SchemaComparison.Logical));
        Assert.All(postgresSchema.Tables.SelectMany(t => t.Columns), c => Assert.NotEqual(LogicalType.Unknown, c.Type));
        Assert.All(sqliteSchema.Tables.Where(t => t.Kind == TableKind.Regular).SelectMany(t => t.Columns), c => Assert.NotEqual(LogicalType.Unknown, c.Type));
        Assert.Contains(sqliteSchema.Tables, t => t.Name == "messages_fts" && t.Kind == TableKind.Virtual);
    }

    [Fact]
    public async Task Parity_check_notices_a_column_that_differs()
    {
        await using var sqlite = await TestDatabase.MigratedAsync(TestDatabase.Sqlite);
        await using var postgres = await TestDatabase.MigratedAsync(TestDatabase.Postgres);
        await using var b = postgres.Open();
        await using (var connection = await b.OpenConnectionAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("ALTER TABLE users ALTER COLUMN bio SET NOT NULL");
        }

        await using var a = sqlite.Open();
        var differences = SchemaComparer.Compare(
            await SchemaReader.ReadAsync(b, CancellationToken.None), await SchemaReader.ReadAsync(a, CancellationToken.None), SchemaComparison.Logical);
        Assert.Contains("table users: column bio: nullable: expected NOT NULL, found NULL", differences);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Every_migration_up_down_up_leaves_an_identical_schema(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        await using var database = test.Open();
        var runner = new MigrationRunner(database);
        var empty = await SchemaReader.ReadAsync(database, CancellationToken.None);
        foreach (var migration in runner.Catalog.Migrations)
        {
            await runner.MigrateAsync(new MigrateOptions { TargetVersion = migration.Version }, CancellationToken.None);
            var up = await SchemaReader.ReadAsync(database, CancellationToken.None);
            await runner.RollbackAsync(new RollbackOptions { Steps = 1 }, CancellationToken.None);
            await runner.MigrateAsync(new MigrateOptions { TargetVersion = migration.Version }, CancellationToken.None);
            var again = await SchemaReader.ReadAsync(database, CancellationToken.None);
            Assert.Empty(SchemaComparer.Compare(up, again, SchemaComparison.Exact));
        }

        await runner.RollbackAsync(new RollbackOptions { TargetVersion = 0 }, CancellationToken.None);
        var emptied = await SchemaReader.ReadAsync(database, CancellationToken.None);
        Assert.Equal(["schema_migrations"], emptied.Tables.Select(t => t.Name));
        Assert.Empty(emptied.Views);
        Assert.Empty(emptied.Routines);
        Assert.Empty(empty.Tables);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Verify_schema_is_quiet_on_a_fresh_database_and_names_a_dropped_index(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var database = test.Open();
        Assert.Empty(await SchemaVerifier.VerifyAsync(database, null, CancellationToken.None));

        await using (var connection = await database.OpenConnectionAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("DROP INDEX reactions_user_id_idx");
            await connection.ExecuteAsync("CREATE INDEX stray_idx ON users (display_name)");
        }

        var differences = await SchemaVerifier.VerifyAsync(database, null, CancellationToken.None);
        Assert.Contains("table reactions: index reactions_user_id_idx is missing", differences);
        Assert.Contains("table users: index stray_idx is unexpected", differences);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Verify_schema_names_a_changed_default_and_a_dropped_check(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var database = test.Open();
        if (engine == TestDatabase.Sqlite)
        {
            // SQLite cannot alter a column; a hand-rebuilt table is the realistic way its schema drifts.
            await using var connection = await database.OpenConnectionAsync(CancellationToken.None);
            await connection.ExecuteAsync("DROP TABLE reactions; CREATE TABLE reactions (message_id UUID NOT NULL, user_id UUID NOT NULL, emoji TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, CONSTRAINT reactions_pkey PRIMARY KEY (message_id, user_id, emoji));");
            var differences = await SchemaVerifier.VerifyAsync(database, null, CancellationToken.None);
            Assert.Contains(differences, d => d.StartsWith("table reactions: check constraint reactions_emoji_length is missing", StringComparison.Ordinal));
            Assert.Contains(differences, d => d.StartsWith("table reactions: column created_at: default", StringComparison.Ordinal));
        }
        else
        {
            await using var connection = await database.OpenConnectionAsync(CancellationToken.None);
            await connection.ExecuteAsync("ALTER TABLE reactions DROP CONSTRAINT reactions_emoji_length; ALTER TABLE reactions ALTER COLUMN created_at DROP DEFAULT");
            var differences = await SchemaVerifier.VerifyAsync(database, null, CancellationToken.None);
            Assert.Contains("table reactions: check constraint reactions_emoji_length is missing", differences);
            Assert.Contains(differences, d => d.StartsWith("table reactions: column created_at: default", StringComparison.Ordinal));
        }
    }
}
