using Confab.Storage.Engines;
using Dapper;

namespace Confab.IntegrationTests;

public class EngineTests
{
    [Theory]
    [InlineData("", 1L)]
    [InlineData("?synchronous=full", 2L)]
    public async Task Sqlite_connections_use_wal_foreign_keys_and_the_requested_durability(string options, long synchronous)
    {
        var dir = Directory.CreateTempSubdirectory("confab-engine-").FullName;
        try
        {
            await using var db = ConfabDatabase.Open(DatabaseUrl.Parse($"sqlite:{Path.Combine(dir, "e.db")}{options}"), create: true);
            await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
            Assert.Equal("wal", await connection.ExecuteScalarAsync<string>("PRAGMA journal_mode"));
            Assert.Equal(1L, await connection.ExecuteScalarAsync<long>("PRAGMA foreign_keys"));
            Assert.Equal(synchronous, await connection.ExecuteScalarAsync<long>("PRAGMA synchronous"));
            Assert.True(await connection.ExecuteScalarAsync<long>("PRAGMA busy_timeout") > 0);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_sqlite_memory_database_is_shared_by_the_connections_of_one_database_object()
    {
        await using var db = ConfabDatabase.Open(DatabaseUrl.Parse("sqlite::memory:"), create: true);
        await using (var first = await db.OpenConnectionAsync(CancellationToken.None))
        {
            await first.ExecuteAsync("CREATE TABLE t (x INTEGER)");
        }

        await using var second = await db.OpenConnectionAsync(CancellationToken.None);
        Assert.Equal(0L, await second.ExecuteScalarAsync<long>("SELECT count(*) FROM t"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_write_transaction_commits_all_or_nothing(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => db.WriteAsync(
            async (connection, transaction) =>
            {
                await connection.ExecuteAsync("INSERT INTO audit_log (action) VALUES ('first')", transaction: transaction);
                await connection.ExecuteAsync("INSERT INTO audit_log (action) VALUES ('')", transaction: transaction);
                return 0;
            },
            CancellationToken.None));
        await using var check = await db.OpenConnectionAsync(CancellationToken.None);
        Assert.Equal(0L, await check.ExecuteScalarAsync<long>("SELECT count(*) FROM audit_log"));
    }
}
