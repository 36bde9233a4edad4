using System.Data.Common;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Conversations;

/// <summary>One entry for a conversation's event log: a kind of <see cref="Realtime.EventKind"/> and its payload as JSON.</summary>
internal sealed record LogEntry(string Kind, Guid ActorId, Guid? MessageId = null, string Payload = Realtime.EventPayload.Empty);

/// <summary>
/// The only writer of <c>conversation_events</c>. Appends under the next seq: the UPDATE that takes the seq also takes
/// the conversation's row lock until the transaction ends, so changes commit in seq order and no reader can see seq
/// N+1 before seq N.
/// </summary>
internal static class ConversationLog
{
    private const string Insert =
        """
        INSERT INTO conversation_events (conversation_id, seq, kind, actor_id, message_id, payload, created_at)
        VALUES (@conversationId, @seq, @kind, @actorId, @messageId, @payload, @now)
        """;

    public static async Task<long> AppendAsync(
        DbConnection connection,
        DbTransaction transaction,
        Guid conversationId,
        string kind,
        Guid actorId,
        Guid? messageId,
        string payloadJson,
        DateTime now,
        CancellationToken cancellationToken) =>
        await AppendAsync(connection, transaction, conversationId, [new LogEntry(kind, actorId, messageId, payloadJson)], now, cancellationToken);

    /// <summary>Appends several entries in their order under consecutive seqs; returns the last.</summary>
    public static async Task<long> AppendAsync(
        DbConnection connection, DbTransaction transaction, Guid conversationId, IReadOnlyList<LogEntry> entries, DateTime now, CancellationToken cancellationToken)
    {
        var last = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "UPDATE conversations SET last_seq = last_seq + @count WHERE id = @conversationId RETURNING last_seq",
            new { conversationId, count = (long)entries.Count },
            transaction,
            cancellationToken: cancellationToken));
        var seq = last - entries.Count;
        foreach (var entry in entries)
        {
            await InsertAsync(connection, transaction, conversationId, ++seq, entry, now, cancellationToken);
        }

        return last;
    }

    /// <summary>
    /// A new message: takes the seq and the message number together (the counters unread counts rely on), lets
    /// <paramref name="insertMessage"/> write the message row under them, then logs <c>message.created</c> for it.
    /// </summary>
    public static async Task<(long Seq, long Number)> AppendMessageAsync(
        DbConnection connection,
        DbTransaction transaction,
        Guid conversationId,
        Guid senderId,
        Guid messageId,
        Func<long, long, Task> insertMessage,
        DateTime now,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(insertMessage);
        var (seq, number) = await connection.QuerySingleAsync<(long, long)>(new CommandDefinition(
            """
            UPDATE conversations
            SET last_seq = last_seq + 1, message_count = message_count + 1, last_message_at = @now, last_activity_at = @now
            WHERE id = @conversationId
            RETURNING last_seq, message_count
            """,
            new { conversationId, now },
            transaction,
            cancellationToken: cancellationToken));
        await insertMessage(seq, number);
        await InsertAsync(connection, transaction, conversationId, seq, new LogEntry(Realtime.EventKind.MessageCreated, senderId, messageId), now, cancellationToken);
        return (seq, number);
    }

    private static Task InsertAsync(
        DbConnection connection, DbTransaction transaction, Guid conversationId, long seq, LogEntry entry, DateTime now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            Insert,
            new { conversationId, seq, kind = entry.Kind, actorId = entry.ActorId, messageId = entry.MessageId, payload = new JsonText(entry.Payload), now },
            transaction,
            cancellationToken: cancellationToken));
}
