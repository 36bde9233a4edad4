using Confab.Tools.Port;
using Dapper;

namespace Confab.IntegrationTests.Port;

public class PortRoundTripTests
{
    [Fact]
    public async Task Sqlite_to_postgres_to_sqlite_round_trip_verifies_clean_and_keeps_awkward_values_exactly()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite);
        await using var middle = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);
        await using var back = await TestDatabase.CreateAsync(TestDatabase.Sqlite);

        var there = await PortFixtures.PortAsync(source, middle);
        var again = await PortFixtures.PortAsync(middle, back);

        Assert.Equal("complete", there.Outcome);
        Assert.Equal("complete", again.Outcome);
        Assert.True(there.Verify!.Matches, PortFixtures.Describe(there.Verify));
        var direct = await PortFixtures.VerifyAsync(source, back);
        Assert.True(direct.Matches, PortFixtures.Describe(direct));
        Assert.True(direct.Tables.Single(t => t.Name == "messages").SourceRows > 1500);
        Assert.Contains(direct.Tables, t => t.Name == "reactions" && t.SourceRows > 0);

        await using var db = back.Open();
        await using var connection = await db.OpenConnectionAsync(PortFixtures.None);
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM messages WHERE body = @b", new { b = PortFixtures.LongBody }));
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM messages WHERE body = @b", new { b = PortFixtures.Multilingual }));
        Assert.Equal("0001-01-01T00:00:00.000001Z", await connection.ExecuteScalarAsync<string>("SELECT created_at FROM messages WHERE body = @b", new { b = PortFixtures.Multilingual }));
        Assert.Equal("9999-12-31T23:59:59.999999Z", await connection.ExecuteScalarAsync<string>("SELECT edited_at FROM messages WHERE body = @b", new { b = PortFixtures.Multilingual }));

        // The search index came along: the port rebuilt SQLite's FTS table from the copied bodies.
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '\"こんにちは\"'"));
    }

    [Fact]
    public async Task Postgres_target_has_its_search_indexes_sequences_and_counters_after_the_port()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 300);
        await using var target = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);
        await using (var db = source.Open())
        {
            await using var connection = await db.OpenConnectionAsync(PortFixtures.None);
            await connection.ExecuteAsync("INSERT INTO audit_log (actor_id, action, details, created_at) VALUES (NULL, 'test.one', '{}', '2026-01-01T00:00:00.000000Z'), (NULL, 'test.two', '{}', '2026-01-01T00:00:00.000000Z')");
        }

        var report = await PortFixtures.PortAsync(source, target);

        Assert.Equal("complete", report.Outcome);
        await using var pg = target.Open();
        await using var pgc = await pg.OpenConnectionAsync(PortFixtures.None);
        var maxId = await pgc.ExecuteScalarAsync<long>("SELECT max(id) FROM audit_log");
        var next = await pgc.ExecuteScalarAsync<long>("INSERT INTO audit_log (action) VALUES ('after.port') RETURNING id");
        Assert.Equal(maxId + 1, next);
        var indexes = (await pgc.QueryAsync<string>("SELECT indexname FROM pg_indexes WHERE tablename = 'messages'")).ToList();
        Assert.Contains("messages_body_fts_idx", indexes);
        Assert.Contains("messages_body_trgm_idx", indexes);
        Assert.Equal(0, await pgc.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM conversations c WHERE c.last_seq < (SELECT coalesce(max(seq), 0) FROM conversation_events e WHERE e.conversation_id = c.id)"));
        Assert.Equal(
            await pgc.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"),
            await CountForeignKeysInMigrationsAsync());
        Assert.Equal(0, await pgc.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_constraint WHERE NOT convalidated"));
    }

    [Fact]
    public async Task Postgres_to_postgres_copies_a_deployment()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Postgres, messages: 300);
        await using var target = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);

        var report = await PortFixtures.PortAsync(source, target);

        Assert.Equal("complete", report.Outcome);
        Assert.True(report.Verify!.Matches, PortFixtures.Describe(report.Verify));
    }

    private static async Task<long> CountForeignKeysInMigrationsAsync()
    {
        await using var fresh = await TestDatabase.MigratedAsync(TestDatabase.Postgres);
        await using var db = fresh.Open();
        await using var connection = await db.OpenConnectionAsync(PortFixtures.None);
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = current_schema()::regnamespace");
    }
}
