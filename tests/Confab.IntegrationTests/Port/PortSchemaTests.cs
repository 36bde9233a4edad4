using Confab.Storage.Engines;
using Confab.Storage.Migrations;
using Confab.Tools.Port;
using Dapper;

namespace Confab.IntegrationTests.Port;

public class PortSchemaTests
{
    private const string SqliteTable =
        "CREATE TABLE port_test_flags (id UUID NOT NULL, flag BOOLEAN NOT NULL, seen_at TIMESTAMPTZ, doc JSON_TEXT NOT NULL, user_id UUID, CONSTRAINT port_test_flags_pkey PRIMARY KEY (id), CONSTRAINT port_test_flags_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE);";

    private const string PostgresTable =
        "CREATE TABLE port_test_flags (id uuid NOT NULL, flag boolean NOT NULL, seen_at timestamptz, doc jsonb NOT NULL, user_id uuid, CONSTRAINT port_test_flags_pkey PRIMARY KEY (id), CONSTRAINT port_test_flags_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE);";

    [Theory]
    [InlineData(TestDatabase.Sqlite, TestDatabase.Postgres)]
    [InlineData(TestDatabase.Postgres, TestDatabase.Sqlite)]
    public async Task A_table_added_by_a_later_migration_is_ported_without_any_port_change(string from, string to)
    {
        var fromCatalog = Catalog(from);
        var toCatalog = Catalog(to);
        await using var source = await PortFixtures.SourceAsync(from, messages: 30);
        await using (var db = source.Open())
        {
            await new MigrationRunner(db, fromCatalog).MigrateAsync(new MigrateOptions(), PortFixtures.None);
            await db.WriteAsync(
                async (connection, transaction) =>
                {
                    var user = await connection.ExecuteScalarAsync<Guid>("SELECT id FROM users ORDER BY id LIMIT 1", transaction: transaction);
                    await connection.ExecuteAsync(
                        "INSERT INTO port_test_flags (id, flag, seen_at, doc, user_id) VALUES (@a, @t, @at, @doc, @user), (@b, @f, NULL, @doc2, NULL)",
                        new { a = Guid.NewGuid(), b = Guid.NewGuid(), t = true, f = false, at = new DateTime(2026, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(1230), doc = new JsonText("{\"k\":[1,\"two\"],\"a\":null}"), doc2 = new JsonText("{}"), user },
                        transaction);
                    return 0;
                },
                PortFixtures.None);
        }

        await using var target = await TestDatabase.CreateAsync(to, create: false);
        var report = await PortFixtures.PortAsync(source, target, new PortOptions { SourceCatalog = fromCatalog, TargetCatalog = toCatalog });

        Assert.Equal("complete", report.Outcome);
        Assert.True(report.Verify!.Matches, PortFixtures.Describe(report.Verify));
        Assert.Equal(2, report.Verify.Tables.Single(t => t.Name == "port_test_flags").TargetRows);
        Assert.Equal(TestCatalogs.Shipped(DatabaseEngine.Sqlite) + 1, report.SchemaVersion);
        await using var check = target.Open();
        await using var c = await check.OpenConnectionAsync(PortFixtures.None);
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT count(*) FROM port_test_flags WHERE flag = @t AND user_id IS NOT NULL", new { t = true }));
    }

    private static MigrationCatalog Catalog(string engine)
    {
        var e = engine == TestDatabase.Sqlite ? DatabaseEngine.Sqlite : DatabaseEngine.Postgres;
        return TestCatalogs.With(e, ($"{TestCatalogs.Shipped(e) + 1:D4}_port_test_flags", e == DatabaseEngine.Sqlite ? SqliteTable : PostgresTable, "DROP TABLE port_test_flags;"));
    }
}
