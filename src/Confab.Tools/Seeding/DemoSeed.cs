using System.Data.Common;
using Confab.Chat.Accounts;
using Confab.Chat.Ids;
using Confab.Chat.Realtime;
using Confab.Storage;
using Confab.Storage.Engines;
using Confab.Storage.Schema;
using Confab.Tools.Synthetic;
using Dapper;

namespace Confab.Tools.Seeding;

/// <summary>What <c>confab db seed</c> did.</summary>
public sealed record DemoSeedResult(bool Created, int Users, int Conversations, int Messages);

/// <summary>
/// Demo users alice, bob, charlie and diana (passwords in the README), their contacts, a direct chat and a group
/// with roles, replies, an edit, a deletion, reactions, a pin and read state. Written in one transaction;
/// a second run finds alice's fixed id and changes nothing.
/// </summary>
public static class DemoSeed
{
    public static readonly IReadOnlyList<DemoUser> Users =
    [
        new(Guid.Parse("0190e7a0-0000-7000-8000-00000000a11c"), "alice", "Alice Liddell", "alice-wonderland"),
        new(Guid.Parse("0190e7a0-0000-7000-8000-000000000b0b"), "bob", "Bob Marley", "bob-three-little-birds"),
        new(Guid.Parse("0190e7a0-0000-7000-8000-0000000c4a51"), "charlie", "Charlie Parker", "charlie-bird-lives"),
        new(Guid.Parse("0190e7a0-0000-7000-8000-0000000d1a4a"), "diana", "Diana Ross", "diana-supremes-1964"),
    ];

    private static readonly Guid DirectId = Guid.Parse("0190e7a0-0000-7000-8000-0000000d14ec");
    private static readonly Guid GroupId = Guid.Parse("0190e7a0-0000-7000-8000-00000000610b");

    public static async Task<DemoSeedResult> RunAsync(ConfabDatabase database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        var schema = await SchemaReader.ReadAsync(database, cancellationToken);
        if (schema.Table("users") is null)
        {
            throw new StorageOperationException($"{database.Target.Display} has no Confab schema; run `confab db migrate` first");
        }

        return await database.WriteAsync(
            async (connection, transaction) =>
            {
                if (await AlreadySeededAsync(connection, transaction, cancellationToken))
                {
                    return new DemoSeedResult(false, 0, 0, 0);
                }

                var data = new DemoData(DateTime.UtcNow.AddDays(-2));
                await RowSetWriter.WriteAsync(connection, transaction, schema, data.InWriteOrder(), new Dictionary<string, long>(), cancellationToken);
                return new DemoSeedResult(true, Users.Count, 2, data.MessageCount);
            },
            cancellationToken);
    }

    private static async Task<bool> AlreadySeededAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var existing = (await connection.QueryAsync<(Guid Id, string Username)>(new CommandDefinition(
            "SELECT id, username FROM users WHERE lower(username) IN ('alice', 'bob', 'charlie', 'diana')",
            transaction: transaction,
            cancellationToken: cancellationToken))).ToList();
        var strangers = existing.Where(e => Users.All(u => u.Id != e.Id)).Select(e => e.Username).ToList();
        if (strangers.Count > 0)
        {
            throw new StorageOperationException(
                $"user(s) {string.Join(", ", strangers)} exist but are not the demo users; seed into another database");
        }

        return existing.Count > 0;
    }

    public sealed record DemoUser(Guid Id, string Username, string DisplayName, string Password);

    /// <summary>The demo rows, with seqs, counters and watermarks kept consistent as a conversation builds up.</summary>
    private sealed class DemoData
    {
        private readonly SyntheticChunk chunk = new();
        private readonly RowSet users = new("users", "id", "username", "email", "password_hash", "display_name", "bio", "is_admin", "created_at", "updated_at");
        private readonly RowSet contacts = new("contacts", "user_low", "user_high", "status", "requested_by", "created_at", "updated_at", "responded_at");
        private readonly RowSet conversations = new("conversations", "id", "kind", "title", "settings", "created_by", "direct_user_low", "direct_user_high",
            "last_seq", "message_count", "last_message_at", "last_activity_at", "created_at", "updated_at");

        private readonly RowSet pins = new("pinned_messages", "conversation_id", "message_id", "pinned_by", "pinned_at");
        private readonly Random random = new(1964);

        public DemoData(DateTime start)
        {
            var (alice, bob, charlie, diana) = (Users[0].Id, Users[1].Id, Users[2].Id, Users[3].Id);
            foreach (var user in Users)
            {
                users.Add(user.Id, user.Username, $"{user.Username}@demo.confab.test", PasswordHashing.Hash(user.Password), user.DisplayName,
                    $"Demo user {user.DisplayName}", user.Username == "alice", start, start);
            }

            Contact(alice, bob, "accepted", alice, start);
            Contact(alice, charlie, "accepted", charlie, start);
            Contact(alice, diana, "accepted", alice, start);
            Contact(bob, charlie, "accepted", bob, start);
            Contact(charlie, diana, "pending", charlie, start);

            var direct = new Thread(this, DirectId, null, [alice, bob], start.AddHours(1));
            var hello = direct.Say(alice, "Hi Bob! Are we still on for tomorrow? 🎸");
            direct.Say(bob, "Yes! 10 am at the studio", replyTo: hello);
            var edited = direct.Say(alice, "Great, I'll bring the coffee");
            direct.Edit(edited, "Great, I'll bring the coffee ☕ and the sheet music");
            direct.React(hello, bob, "👍");
            direct.Say(bob, "Perfect. See you then");
            direct.Finish(read: new() { [alice] = int.MaxValue, [bob] = 3 });

            var group = new Thread(this, GroupId, "Weekend hike 🏔️", [alice, bob, charlie, diana], start.AddHours(3));
            var plan = group.Say(alice, "Saturday: trail to the lake, meet 8:00 at the station");
            group.Say(bob, "I'm in! Bringing snacks 🍫");
            group.Say(charlie, "週末は晴れるみたいです ☀️");
            var oops = group.Say(diana, "Can I bring my dog?");
            group.Delete(oops, diana);
            group.Say(diana, "Can I bring my dog? 🐕 He's very good on trails");
            group.Say(alice, "Of course!", replyTo: plan);
            group.Say(charlie, "我们在湖边吃午饭吧");
            group.React(plan, bob, "🎉");
            group.React(plan, charlie, "👍🏽");
            group.Pin(plan, alice);
            group.Finish(read: new() { [alice] = int.MaxValue, [bob] = int.MaxValue, [charlie] = 4 });
        }

        public int MessageCount => (int)chunk.MessageCount;

        public IEnumerable<RowSet> InWriteOrder() => [users, contacts, conversations, .. chunk.InWriteOrder, pins];

        private void Contact(Guid a, Guid b, string status, Guid requestedBy, DateTime at)
        {
            var (low, high) = Chat.Users.UserPair.Order(a, b);
            contacts.Add(low, high, status, requestedBy, at, at, status == "accepted" ? at.AddMinutes(5) : null);
        }

        /// <summary>One conversation being written: allocates seqs and records every change as an event.</summary>
        private sealed class Thread
        {
            private readonly DemoData data;
            private readonly Guid id;
            private readonly string? title;
            private readonly Guid[] members;
            private readonly DateTime created;
            private readonly List<(Guid Id, long Seq)> messages = [];
            private readonly Dictionary<Guid, object?[]> rows = [];
            private DateTime clock;
            private long seq;

            public Thread(DemoData data, Guid id, string? title, Guid[] members, DateTime created)
            {
                (this.data, this.id, this.title, this.members, this.created, clock) = (data, id, title, members, created, created);
                Event(EventKind.ConversationCreated, members[0], null);
            }

            public Guid Say(Guid sender, string body, Guid? replyTo = null)
            {
                var at = Tick();
                var messageId = Uuid7.NewId(at, data.random);
                Event(EventKind.MessageCreated, sender, messageId);
                var row = new object?[] { messageId, id, seq, (long)(messages.Count + 1), sender, $"demo-{seq}", "text", body, null, replyTo, JsonText.EmptyObject, at, null, null, null };
                data.chunk.Messages.Add(row);
                rows[messageId] = row;
                messages.Add((messageId, seq));
                return messageId;
            }

            public void Edit(Guid message, string body)
            {
                var row = rows[message];
                var at = Tick();
                data.chunk.Edits.Add(message, 1, row[7], null, row[4], at);
                (row[7], row[12]) = (body, at);
                Event(EventKind.MessageEdited, (Guid)row[4]!, message);
            }

            public void Delete(Guid message, Guid by)
            {
                var row = rows[message];
                var at = Tick();
                (row[7], row[13], row[14]) = (null, at, by);
                Event(EventKind.MessageDeleted, by, message);
            }

            public void React(Guid message, Guid by, string emoji)
            {
                data.chunk.Reactions.Add(message, by, emoji, Tick());
                Event(EventKind.ReactionAdded, by, message);
            }

            public void Pin(Guid message, Guid by)
            {
                data.pins.Add(id, message, by, Tick());
                Event(EventKind.MessagePinned, by, message);
            }

            /// <summary>Members' read watermarks, as a number of messages read; the rest have read nothing.</summary>
            public void Finish(Dictionary<Guid, int> read)
            {
                var (low, high) = title is null ? Chat.Users.UserPair.Order(members[0], members[1]) : (Guid.Empty, Guid.Empty);
                var last = messages[^1];
                data.conversations.Add(id, title is null ? "direct" : "group", title, JsonText.EmptyObject, members[0],
                    title is null ? low : null, title is null ? high : null, seq, (long)messages.Count, rows[last.Id][11], clock, created, clock);
                for (var i = 0; i < members.Length; i++)
                {
                    var count = Math.Min(read.GetValueOrDefault(members[i]), messages.Count);
                    var readSeq = count == messages.Count ? seq : count == 0 ? 0 : messages[count - 1].Seq;
                    var role = title is null ? "member" : new[] { "owner", "admin", "moderator", "member" }[Math.Min(i, 3)];
                    data.chunk.Participants.Add(id, members[i], role, created, 0L, null, null, readSeq, (long)count, seq, clock);
                }
            }

            private void Event(string kind, Guid actor, Guid? message) =>
                data.chunk.Events.Add(id, ++seq, kind, actor, message, JsonText.EmptyObject, clock);

            private DateTime Tick() => clock = SyntheticPlan.Micro(clock.AddMinutes(data.random.Next(1, 25)).AddTicks(data.random.Next(0, 10_000_000)));
        }
    }
}
