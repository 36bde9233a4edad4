using Confab.Tools.Port;
using Dapper;

namespace Confab.IntegrationTests.Port;

public class PortIncrementalTests
{
    [Theory]
    [InlineData(TestDatabase.Sqlite, TestDatabase.Postgres)]
    [InlineData(TestDatabase.Postgres, TestDatabase.Sqlite)]
    public async Task Incremental_passes_pick_up_inserts_edits_and_deletions(string from, string to)
    {
        await using var source = await PortFixtures.SourceAsync(from, messages: 500);
        await using var target = await TestDatabase.CreateAsync(to, create: false);
        Assert.Equal("complete", (await PortFixtures.PortAsync(source, target)).Outcome);

        var change = await ChangeSourceAsync(source);
        var pass = await PortFixtures.PortAsync(source, target, new PortOptions { Incremental = true });

        Assert.Equal("complete", pass.Outcome);
        Assert.True(pass.Verify!.Matches, PortFixtures.Describe(pass.Verify));
        Assert.Equal(1, pass.Table("users").Inserted);
        Assert.True(pass.Table("messages").Inserted >= 1);
        Assert.Equal(1, pass.Table("messages").Updated);
        Assert.Equal(1, pass.Table("messages").Deleted);
        Assert.True(pass.Table("reactions").Deleted >= 1);
        Assert.Equal("key and updated_at", pass.Table("users").ChangeDetection);
        Assert.Equal("content of every column", pass.Table("messages").ChangeDetection);
        await using var db = target.Open();
        await using var connection = await db.OpenConnectionAsync(PortFixtures.None);
        Assert.Equal("edited after the first pass", await connection.ExecuteScalarAsync<string>("SELECT body FROM messages WHERE id = @id", new { id = change.Edited }));
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM messages WHERE id = @id", new { id = change.Deleted }));

        // Nothing changed since: the next pass copies nothing.
        var idle = await PortFixtures.PortAsync(source, target, new PortOptions { Incremental = true });
        Assert.Equal(0, idle.Tables.Sum(t => t.Inserted + t.Updated + t.Deleted));
    }

    [Fact]
    public async Task A_stopped_incremental_pass_resumes_to_an_exact_copy()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 500);
        await using var target = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);
        await PortFixtures.PortAsync(source, target);
        await ChangeSourceAsync(source);
        using var stop = new CancellationTokenSource();
        var progress = new CancelOnSync(stop, "messages");

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PortFixtures.PortAsync(source, target, new PortOptions { Incremental = true }, progress, stop.Token));
        var resumed = await PortFixtures.PortAsync(source, target, new PortOptions { Resume = true });

        Assert.Equal("complete", resumed.Outcome);
        Assert.True(resumed.Verify!.Matches, PortFixtures.Describe(resumed.Verify));
    }

    [Fact]
    public async Task Incremental_without_an_earlier_port_is_refused()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 50);
        await using var target = await TestDatabase.MigratedAsync(TestDatabase.Postgres);

        var error = await Assert.ThrowsAsync<Confab.Storage.StorageOperationException>(() => PortFixtures.PortAsync(source, target, new PortOptions { Incremental = true }));

        Assert.Contains("full port first", error.Message, StringComparison.Ordinal);
    }

    internal sealed record SourceChange(Guid Edited, Guid Deleted);

    /// <summary>A new user and message, an edited message, a deleted message (its events cascade) and a removed reaction.</summary>
    internal static async Task<SourceChange> ChangeSourceAsync(TestDatabase source)
    {
        await using var db = source.Open();
        return await db.WriteAsync(
            async (connection, transaction) =>
            {
                var messages = (await connection.QueryAsync<Guid>(
                    "SELECT id FROM messages WHERE deleted_at IS NULL AND kind = 'text' AND id NOT IN (SELECT message_id FROM reactions) AND id NOT IN (SELECT reply_to_id FROM messages WHERE reply_to_id IS NOT NULL) ORDER BY id LIMIT 2",
                    transaction: transaction)).ToList();
                var user = Guid.NewGuid();
                await connection.ExecuteAsync(
                    "INSERT INTO users (id, username, email, password_hash, display_name, created_at, updated_at) VALUES (@user, @name, @email, 'x', 'Late Comer', @at, @at)",
                    new { user, name = "late_" + user.ToString("N")[..8], email = user.ToString("N")[..8] + "@late.test", at = DateTime.UtcNow },
                    transaction);
                await connection.ExecuteAsync("UPDATE messages SET body = 'edited after the first pass', edited_at = @at WHERE id = @id", new { id = messages[0], at = DateTime.UtcNow }, transaction);
                await connection.ExecuteAsync("DELETE FROM conversation_events WHERE message_id = @id", new { id = messages[1] }, transaction);
                await connection.ExecuteAsync("DELETE FROM message_edits WHERE message_id = @id", new { id = messages[1] }, transaction);
                await connection.ExecuteAsync("DELETE FROM messages WHERE id = @id", new { id = messages[1] }, transaction);
                var reaction = await connection.QueryFirstAsync<(Guid MessageId, Guid UserId, string Emoji)>("SELECT message_id, user_id, emoji FROM reactions ORDER BY message_id, user_id, emoji LIMIT 1", transaction: transaction);
                await connection.ExecuteAsync("DELETE FROM reactions WHERE message_id = @m AND user_id = @u AND emoji = @e", new { m = reaction.MessageId, u = reaction.UserId, e = reaction.Emoji }, transaction);

                // A new message and a reply to it: the target receives them in key order, whichever comes first.
                var (conversation, lastSeq, count, sender) = await connection.QueryFirstAsync<(Guid, long, long, Guid)>(
                    "SELECT c.id, c.last_seq, c.message_count, p.user_id FROM conversations c JOIN participants p ON p.conversation_id = c.id ORDER BY c.id, p.user_id LIMIT 1",
                    transaction: transaction);
                var first = Guid.NewGuid();
                var reply = Guid.NewGuid();
                foreach (var (id, replyTo) in new[] { (first, (Guid?)null), (reply, first) })
                {
                    lastSeq++;
                    count++;
                    await connection.ExecuteAsync(
                        "INSERT INTO messages (id, conversation_id, seq, message_number, sender_id, kind, body, reply_to_id, metadata, created_at) VALUES (@id, @conversation, @lastSeq, @count, @sender, 'text', 'new after the first pass', @replyTo, '{}', @at)",
                        new { id, conversation, lastSeq, count, sender, replyTo, at = DateTime.UtcNow },
                        transaction);
                }

                await connection.ExecuteAsync("UPDATE conversations SET last_seq = @lastSeq, message_count = @count WHERE id = @conversation", new { lastSeq, count, conversation }, transaction);
                return new SourceChange(messages[0], messages[1]);
            },
            PortFixtures.None);
    }

    private sealed class CancelOnSync(CancellationTokenSource stop, string table) : IPortProgress
    {
        public void PhaseStarted(string phase)
        {
        }

        public void WorkStarted(string phase, string item, long total)
        {
            if (phase == "sync" && item == table)
            {
                stop.Cancel();
            }
        }

        public void Advanced(string phase, string item, long done)
        {
        }

        public void WorkFinished(string phase, string item)
        {
        }
    }
}
