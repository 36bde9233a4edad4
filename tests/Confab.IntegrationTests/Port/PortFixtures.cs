using System.Data.Common;
using System.Text;
using Confab.Storage.Engines;
using Confab.Storage.Schema;
using Confab.Storage.Verification;
using Confab.Tools.Port;
using Confab.Tools.Seeding;
using Confab.Tools.Synthetic;
using Dapper;

namespace Confab.IntegrationTests.Port;

/// <summary>Source databases for port tests: generated conversations plus the awkward values a port must carry exactly.</summary>
internal static class PortFixtures
{
    public static readonly CancellationToken None = CancellationToken.None;

    /// <summary>10,000 code points (the body limit) of Cyrillic, CJK, emoji and ASCII: 12,500 UTF-16 units.</summary>
    public static readonly string LongBody = string.Concat(Enumerable.Repeat("ж漢🙂a", 2500));

    public const string Multilingual = "Grüße, こんにちは, مرحبا, שלום, नमस्ते, 👩‍👩‍👧‍👦 and e\u0301";

    /// <summary>A migrated database of the engine with demo users, generated chats and the special rows below.</summary>
    public static async Task<TestDatabase> SourceAsync(string engine, int messages = 1500)
    {
        var test = await TestDatabase.MigratedAsync(engine);
        await using var db = test.Open();
        await DemoSeed.RunAsync(db, None);
        await SyntheticGenerator.RunAsync(db, new SyntheticOptions { Users = 25, Messages = messages, Seed = 7, ChunkMessages = 500 }, null, None);
        await AddSpecialRowsAsync(db);
        return test;
    }

    /// <summary>
    /// Into the demo group: a 10,000-character body, multilingual text, the earliest and latest instants with
    /// microseconds, an edit, a deletion, reactions whose emoji sort differently in UTF-8 and UTF-16, JSON whose
    /// keys PostgreSQL reorders, and read receipts.
    /// </summary>
    public static async Task AddSpecialRowsAsync(ConfabDatabase db)
    {
        await db.WriteAsync(
            async (connection, transaction) =>
            {
                var (conversation, lastSeq, count) = await connection.QuerySingleAsync<(Guid, long, long)>(
                    "SELECT id, last_seq, message_count FROM conversations WHERE kind = 'group' ORDER BY created_at, id LIMIT 1", transaction: transaction);
                var members = (await connection.QueryAsync<Guid>(
                    "SELECT user_id FROM participants WHERE conversation_id = @conversation ORDER BY user_id", new { conversation }, transaction)).ToList();
                var bodies = new (string? Body, DateTime Created, DateTime? Edited, DateTime? Deleted, string Metadata)[]
                {
                    (LongBody, new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc).AddTicks(1230), null, null, "{}"),
                    (Multilingual, DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc).AddTicks(10), new DateTime(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_990), null, "{\"z\":1,\"a\":{\"y\":[1,2,{\"b\":null,\"a\":\"x\"}],\"x\":true}}"),
                    (null, new DateTime(2026, 3, 1, 12, 0, 1, DateTimeKind.Utc).AddTicks(999_990), null, new DateTime(2026, 3, 2, 0, 0, 0, DateTimeKind.Utc).AddTicks(10), "{}"),
                };
                var ids = new List<Guid>();
                foreach (var (body, created, edited, deleted, metadata) in bodies)
                {
                    var id = Guid.NewGuid();
                    ids.Add(id);
                    lastSeq++;
                    count++;
                    await connection.ExecuteAsync(
                        """
                        INSERT INTO messages (id, conversation_id, seq, message_number, sender_id, kind, body, metadata, created_at, edited_at, deleted_at, deleted_by)
                        VALUES (@id, @conversation, @lastSeq, @count, @sender, 'text', @body, @metadata, @created, @edited, @deleted, @deletedBy)
                        """,
                        new { id, conversation, lastSeq, count, sender = members[0], body, metadata = new JsonText(metadata), created, edited, deleted, deletedBy = deleted is null ? (Guid?)null : members[0] },
                        transaction);
                    await Event(connection, transaction, conversation, lastSeq, "message.created", members[0], id);
                }

                await connection.ExecuteAsync(
                    "INSERT INTO message_edits (message_id, version, previous_body, edited_by, edited_at) VALUES (@id, 1, 'first wording', @user, @at)",
                    new { id = ids[1], user = members[0], at = new DateTime(2026, 3, 1, 12, 0, 0, 500, DateTimeKind.Utc) },
                    transaction);
                foreach (var (emoji, user) in new[] { ("👍🏽", members[0]), ("❤️", members[0]), ("\uFE0F", members[1]), ("🙂", members[1]), ("é", members[1]) })
                {
                    await connection.ExecuteAsync(
                        "INSERT INTO reactions (message_id, user_id, emoji, created_at) VALUES (@id, @user, @emoji, @at)",
                        new { id = ids[0], user, emoji, at = new DateTime(2026, 3, 1, 12, 0, 2, DateTimeKind.Utc) },
                        transaction);
                }

                await Event(connection, transaction, conversation, ++lastSeq, "receipt.read", members[1], null);
                await connection.ExecuteAsync(
                    "UPDATE participants SET last_read_seq = @lastSeq, last_delivered_seq = @lastSeq, last_read_message_count = @count WHERE conversation_id = @conversation AND user_id = @user",
                    new { lastSeq, count, conversation, user = members[1] },
                    transaction);
                await connection.ExecuteAsync(
                    "UPDATE conversations SET last_seq = @lastSeq, message_count = @count WHERE id = @conversation", new { lastSeq, count, conversation }, transaction);
                return 0;
            },
            None);
    }

    private static Task Event(DbConnection connection, DbTransaction transaction, Guid conversation, long seq, string kind, Guid actor, Guid? message) =>
        connection.ExecuteAsync(
            "INSERT INTO conversation_events (conversation_id, seq, kind, actor_id, message_id, payload, created_at) VALUES (@conversation, @seq, @kind, @actor, @message, @payload, @at)",
            new { conversation, seq, kind, actor, message, payload = new JsonText("{\"note\":\"fixture\"}"), at = new DateTime(2026, 3, 1, 12, 0, 3, DateTimeKind.Utc) },
            transaction);

    public static Task<PortReport> PortAsync(TestDatabase from, TestDatabase to, PortOptions? options = null, IPortProgress? progress = null, CancellationToken cancellationToken = default) =>
        PortAsync(from.Target, to.Target, options, progress, cancellationToken);

    public static async Task<PortReport> PortAsync(DatabaseTarget from, DatabaseTarget to, PortOptions? options = null, IPortProgress? progress = null, CancellationToken cancellationToken = default)
    {
        await using var source = ConfabDatabase.Open(from);
        await using var target = ConfabDatabase.Open(to, create: true);
        return await new PortRunner(source, target, options ?? new PortOptions { RetryDelay = TimeSpan.FromMilliseconds(50) }, progress).RunAsync(cancellationToken);
    }

    public static async Task<Confab.Tools.Verification.VerifyReport> VerifyAsync(TestDatabase a, TestDatabase b)
    {
        await using var source = a.Open();
        await using var target = b.Open();
        return await Confab.Tools.Verification.DatabaseVerifier.VerifyAsync(source, target, null, None);
    }

    public static async Task<long> CountAsync(TestDatabase test, string table)
    {
        await using var db = test.Open();
        await using var connection = await db.OpenConnectionAsync(None);
        return await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table}");
    }

    public static string Describe(Confab.Tools.Verification.VerifyReport report) =>
        string.Join("; ", report.Problems.Concat(report.Tables.Where(t => !t.Matches)
            .Select(t => $"{t.Name}: {t.Differences} differ, e.g. {string.Join(", ", t.DifferingKeys.Take(3).Select(k => $"{k.Kind} {k.Key} {string.Join("/", k.Columns ?? [])}"))}")));
}
