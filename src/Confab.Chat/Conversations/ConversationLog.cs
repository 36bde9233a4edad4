using System.Data.Common;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Conversations;

/// <summary>
/// Appends a change to a conversation's event log under the next seq. The UPDATE that takes the seq also takes
/// the conversation's row lock until the transaction ends, so changes commit in seq order and no reader can see
/// seq N+1 before seq N.
/// </summary>
internal static class ConversationLog
{
    public static async Task<long> AppendAsync(
        DbConnection connection,
        DbTransaction transaction,
        Guid conversationId,
        string kind,
        Guid actorId,
        Guid? messageId,
        string payloadJson,
        DateTime now,
        CancellationToken cancellationToken)
    {
        var seq = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "UPDATE conversations SET last_seq = last_seq + 1 WHERE id = @conversationId RETURNING last_seq",
            new { conversationId },
            transaction,
            cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO conversation_events (conversation_id, seq, kind, actor_id, message_id, payload, created_at)
            VALUES (@conversationId, @seq, @kind, @actorId, @messageId, @payload, @now)
            """,
            new { conversationId, seq, kind, actorId, messageId, payload = new JsonText(payloadJson), now },
            transaction,
            cancellationToken: cancellationToken));
        return seq;
    }
}
