using System.Data.Common;
using Confab.Chat.Accounts;
using Confab.Storage;
using Confab.Storage.Engines;
using Confab.Storage.Schema;
using Confab.Storage.Verification;
using Confab.Tools.Seeding;
using Confab.Tools.Synthetic;
using Dapper;

namespace Confab.IntegrationTests;

public class SeedTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task The_demo_seed_runs_once_and_a_second_run_changes_nothing(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        var first = await DemoSeed.RunAsync(db, None);
        var before = await ContentChecksum.ComputeAsync(db, None);
        var second = await DemoSeed.RunAsync(db, None);
        var after = await ContentChecksum.ComputeAsync(db, None);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(before, after);
        Assert.Equal(4, before["users"].Rows);
        Assert.Equal(2, before["conversations"].Rows);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Demo_users_log_in_with_the_documented_passwords_and_see_consistent_unread_counts(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await DemoSeed.RunAsync(db, None);
        await using var connection = await db.OpenConnectionAsync(None);
        foreach (var user in DemoSeed.Users)
        {
            var hash = await connection.ExecuteScalarAsync<string>("SELECT password_hash FROM users WHERE username = @Username", new { user.Username });
            Assert.True(PasswordHashing.Verify(hash!, user.Password), user.Username);
        }

        var unread = (await connection.QueryAsync<(string Username, long Unread)>(
            """
            SELECT u.username, c.message_count - p.last_read_message_count
            FROM participants p JOIN conversations c ON c.id = p.conversation_id JOIN users u ON u.id = p.user_id
            WHERE c.kind = 'group' ORDER BY u.username
            """)).ToDictionary(r => r.Username, r => r.Unread);
        Assert.Equal(0, unread["alice"]);
        Assert.Equal(7, unread["diana"]);
        Assert.Equal(3, unread["charlie"]);
        await AssertConsistentAsync(connection);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task The_demo_seed_refuses_a_database_where_alice_is_someone_else(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await using (var connection = await db.OpenConnectionAsync(None))
        {
            await ConstraintTests.InsertUserAsync(connection, "Alice");
        }

        var refused = await Assert.ThrowsAsync<StorageOperationException>(() => DemoSeed.RunAsync(db, None));
        Assert.Contains("not the demo users", refused.Message, StringComparison.Ordinal);
        await using var check = await db.OpenConnectionAsync(None);
        Assert.Equal(1, await check.ExecuteScalarAsync<long>("SELECT count(*) FROM users"));
    }

    [Fact]
    public async Task The_generator_gives_the_same_data_for_the_same_seed_on_either_engine()
    {
        var options = new SyntheticOptions { Users = 40, Messages = 3_000, Seed = 11, ChunkMessages = 700 };
        await using var sqliteA = await TestDatabase.MigratedAsync(TestDatabase.Sqlite);
        await using var sqliteB = await TestDatabase.MigratedAsync(TestDatabase.Sqlite);
        await using var postgres = await TestDatabase.MigratedAsync(TestDatabase.Postgres);
        var checksums = new List<IReadOnlyDictionary<string, TableChecksum>>();
        foreach (var (test, chunk) in new[] { (sqliteA, 700), (sqliteB, 5_000), (postgres, 1_000) })
        {
            await using var db = test.Open();
            await SyntheticGenerator.RunAsync(db, options with { ChunkMessages = chunk }, null, None);
            checksums.Add(await ContentChecksum.ComputeAsync(db, None));
        }

        Assert.Equal(3_000, checksums[0]["messages"].Rows);
        Assert.Equal(checksums[0], checksums[1]);
        Assert.Equal(checksums[0], checksums[2]);

        await using var other = await TestDatabase.MigratedAsync(TestDatabase.Sqlite);
        await using var otherDb = other.Open();
        await SyntheticGenerator.RunAsync(otherDb, options with { Seed = 12 }, null, None);
        Assert.NotEqual(checksums[0]["messages"], (await ContentChecksum.ComputeAsync(otherDb, None))["messages"]);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Generated_data_keeps_every_counter_and_watermark_consistent_and_the_schema_intact(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await DemoSeed.RunAsync(db, None);
        var result = await SyntheticGenerator.RunAsync(db, new SyntheticOptions { Users = 60, Messages = 5_000, Seed = 4 }, null, None);
        Assert.Equal(5_000, result.Messages);
        Assert.True(result.RowsByTable["reactions"] > 0);
        Assert.True(result.RowsByTable["message_edits"] > 0);
        Assert.Contains(result.RowsByTable, r => r.Key == "conversation_events" && r.Value > 5_000);

        await using var connection = await db.OpenConnectionAsync(None);
        await AssertConsistentAsync(connection);
        Assert.True(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM conversations WHERE kind = 'group'") > 0);
        Assert.True(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM messages WHERE reply_to_id IS NOT NULL") > 0);
        Assert.True(await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM messages WHERE deleted_at IS NOT NULL") > 0);
        Assert.Empty(await SchemaVerifier.VerifyAsync(db, null, None));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Generating_the_same_seed_twice_is_refused_and_writes_nothing(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        var options = new SyntheticOptions { Users = 10, Messages = 500, Seed = 5 };
        await SyntheticGenerator.RunAsync(db, options, null, None);
        var before = await ContentChecksum.ComputeAsync(db, None);
        var refused = await Assert.ThrowsAsync<StorageOperationException>(() => SyntheticGenerator.RunAsync(db, options, null, None));
        Assert.Contains("--seed 5", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, await ContentChecksum.ComputeAsync(db, None));
        Assert.Empty(await SchemaVerifier.VerifyAsync(db, null, None));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Search_structures_find_english_words_cjk_substrings_and_emoji_and_forget_deleted_messages(string engine)
    {
        await using var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await DemoSeed.RunAsync(db, None);
        await using var connection = await db.OpenConnectionAsync(None);

        Assert.Equal(1, await SearchCountAsync(connection, engine, "coffee"));
        Assert.Equal(1, await SearchCountAsync(connection, engine, "晴れる"));
        Assert.Equal(1, await SearchCountAsync(connection, engine, "湖边吃"));
        Assert.Equal(1, await SearchCountAsync(connection, engine, "🍫"));
        Assert.Equal(1, await SearchCountAsync(connection, engine, "dog"));
        Assert.Equal(0, await SearchCountAsync(connection, engine, "zebra"));

        await connection.ExecuteAsync("UPDATE messages SET body = NULL, deleted_at = @now WHERE body LIKE '%coffee%'", new { now = DateTime.UtcNow });
        Assert.Equal(0, await SearchCountAsync(connection, engine, "coffee"));
    }

    /// <summary>The queries the search API builds on: word search, then substring search for what has no word boundaries.</summary>
    private static Task<long> SearchCountAsync(DbConnection connection, string engine, string text)
    {
        if (engine == TestDatabase.Postgres)
        {
            return connection.ExecuteScalarAsync<long>(
                """
                SELECT count(*) FROM messages
                WHERE deleted_at IS NULL
                  AND (to_tsvector('simple', coalesce(body, '')) @@ plainto_tsquery('simple', @text) OR body ILIKE '%' || @text || '%')
                """,
                new { text });
        }

        // The trigram index matches nothing for fewer than three characters (one emoji): such terms scan live bodies.
        return text.EnumerateRunes().Count() >= 3
            ? connection.ExecuteScalarAsync<long>("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH @query", new { query = "\"" + text + "\"" })
            : connection.ExecuteScalarAsync<long>("SELECT count(*) FROM messages WHERE deleted_at IS NULL AND body LIKE '%' || @text || '%'", new { text });
    }

    /// <summary>Every counter the chat relies on agrees with the rows it counts.</summary>
    private static async Task AssertConsistentAsync(DbConnection connection)
    {
        Assert.Empty(await connection.QueryAsync<Guid>(
            """
            SELECT c.id FROM conversations c
            WHERE c.last_seq <> (SELECT count(*) FROM conversation_events e WHERE e.conversation_id = c.id)
               OR c.last_seq <> coalesce((SELECT max(e.seq) FROM conversation_events e WHERE e.conversation_id = c.id), 0)
               OR c.message_count <> (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)
               OR c.message_count <> coalesce((SELECT max(m.message_number) FROM messages m WHERE m.conversation_id = c.id), 0)
            """));
        Assert.Empty(await connection.QueryAsync<Guid>(
            """
            SELECT p.user_id FROM participants p
            WHERE p.last_read_message_count <> (SELECT count(*) FROM messages m WHERE m.conversation_id = p.conversation_id AND m.seq <= p.last_read_seq)
               OR p.last_read_seq > (SELECT c.last_seq FROM conversations c WHERE c.id = p.conversation_id)
            """));
        Assert.Empty(await connection.QueryAsync<Guid>(
            """
            SELECT m.id FROM messages m
            WHERE NOT EXISTS (SELECT 1 FROM conversation_events e
                              WHERE e.conversation_id = m.conversation_id AND e.seq = m.seq AND e.kind = 'message.created' AND e.message_id = m.id)
            """));
    }
}
