using Confab.Chat.Ids;
using Confab.Chat.Realtime;
using Confab.Storage.Engines;

namespace Confab.Tools.Synthetic;

/// <summary>
/// Generates one conversation's history — messages, replies, edits, deletions, reactions, the event log with
/// gapless seqs, and each member's read and delivered watermarks — from a random source of its own.
/// </summary>
internal static class SyntheticConversation
{
    private static readonly JsonText Empty = JsonText.EmptyObject;

    public static void Generate(ConversationPlan plan, IReadOnlyList<SyntheticUser> users, int seed, SyntheticChunk chunk)
    {
        var random = new Random(SplitMix.Derive(seed, plan.Index));
        var members = plan.Members.Select(m => users[m].Id).ToArray();
        var seq = 1L;
        chunk.Events.Add(plan.Id, seq, EventKind.ConversationCreated, members[0], null, Empty, plan.CreatedAt);

        var messageSeqs = new long[plan.MessageCount];
        var recent = new Guid[Math.Min(20, Math.Max(1, plan.MessageCount))];
        var span = (SyntheticPlan.End - plan.CreatedAt).Ticks;
        var slot = Math.Max(10, span / (plan.MessageCount + 1));
        DateTime? lastMessageAt = null;
        for (var n = 0; n < plan.MessageCount; n++)
        {
            var at = SyntheticPlan.Micro(plan.CreatedAt.AddTicks((slot * (n + 1)) + random.NextInt64(0, slot / 2)));
            var sender = members[SkewedIndex(random, members.Length)];
            var id = Uuid7.NewId(at, random);
            seq++;
            messageSeqs[n] = seq;
            var encrypted = random.Next(100) < 2;
            string? body = encrypted ? null : TextBank.Message(random);
            byte[]? ciphertext = encrypted ? RandomBytes(random, random.Next(32, 257)) : null;
            Guid? replyTo = n > 0 && random.Next(100) < 10 ? recent[random.Next(Math.Min(n, recent.Length))] : null;
            var clientId = random.Next(100) < 60 ? $"c{n:x}-{random.Next():x8}" : null;
            chunk.Events.Add(plan.Id, seq, EventKind.MessageCreated, sender, id, Empty, at);

            DateTime? editedAt = null;
            if (!encrypted && random.Next(100) < 5)
            {
                editedAt = at.AddSeconds(random.Next(5, 600));
                chunk.Edits.Add(id, 1, body, null, sender, editedAt);
                body = body + " (edited)";
                chunk.Events.Add(plan.Id, ++seq, EventKind.MessageEdited, sender, id, Empty, editedAt);
            }

            DateTime? deletedAt = null;
            if (random.Next(100) < 2)
            {
                deletedAt = at.AddSeconds(random.Next(700, 3600));
                body = null;
                ciphertext = null;
                chunk.Events.Add(plan.Id, ++seq, EventKind.MessageDeleted, sender, id, Empty, deletedAt);
            }

            chunk.Messages.Add(id, plan.Id, messageSeqs[n], (long)(n + 1), sender, clientId, encrypted ? "encrypted" : "text", body, ciphertext,
                replyTo, Empty, at, editedAt, deletedAt, deletedAt is null ? null : sender);

            if (deletedAt is null && random.Next(100) < 15)
            {
                AddReactions(random, plan, members, id, at, chunk, ref seq);
            }

            recent[n % recent.Length] = id;
            lastMessageAt = at;
        }

        AddParticipants(random, plan, members, messageSeqs, seq, chunk);
        chunk.Totals.Add(new ConversationTotals(plan.Id, seq, plan.MessageCount, lastMessageAt, lastMessageAt ?? plan.CreatedAt));
    }

    private static void AddReactions(Random random, ConversationPlan plan, Guid[] members, Guid message, DateTime at, SyntheticChunk chunk, ref long seq)
    {
        var taken = new HashSet<(Guid, string)>();
        var count = random.Next(1, 4);
        for (var r = 0; r < count; r++)
        {
            var who = members[random.Next(members.Length)];
            var emoji = TextBank.Reactions[random.Next(TextBank.Reactions.Length)];
            if (taken.Add((who, emoji)))
            {
                var when = at.AddSeconds(random.Next(1, 3600));
                chunk.Reactions.Add(message, who, emoji, when);
                chunk.Events.Add(plan.Id, ++seq, EventKind.ReactionAdded, who, message, Empty, when);
            }
        }
    }

    private static void AddParticipants(Random random, ConversationPlan plan, Guid[] members, long[] messageSeqs, long lastSeq, SyntheticChunk chunk)
    {
        for (var i = 0; i < members.Length; i++)
        {
            var role = !plan.IsGroup ? "member" : i == 0 ? "owner" : i <= 2 ? "admin" : i == 3 ? "moderator" : "member";
            var read = random.Next(100) < 70 ? lastSeq : random.NextInt64(0, lastSeq + 1);
            var delivered = random.Next(100) < 90 ? lastSeq : random.NextInt64(read, lastSeq + 1);
            var readMessages = CountAtOrBelow(messageSeqs, read);
            DateTime? muted = random.Next(100) < 5 ? SyntheticPlan.End.AddDays(30) : null;
            chunk.Participants.Add(plan.Id, members[i], role, plan.CreatedAt, 0L, null, muted, read, readMessages, delivered, plan.CreatedAt);
        }
    }

    private static long CountAtOrBelow(long[] sortedSeqs, long seq)
    {
        var index = Array.BinarySearch(sortedSeqs, seq);
        return index >= 0 ? index + 1 : ~index;
    }

    // A few members do most of the talking.
    private static int SkewedIndex(Random random, int count) =>
        count <= 2 ? random.Next(count) : Math.Min(count - 1, (int)(count * Math.Pow(random.NextDouble(), 2.2)));

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
