using Confab.Chat.Conversations;
using Confab.Chat.Realtime;
using Dapper;

namespace Confab.Chat.Messages;

/// <summary>Pinned messages: in a group moderators and above pin, in a direct conversation either member.</summary>
public sealed partial class MessageStore
{
    public const int MaxPinsPerConversation = 50;

    public Task PinAsync(Guid caller, Guid conversationId, Guid messageId, CancellationToken cancellationToken) =>
        ChangePinAsync(caller, conversationId, messageId, pin: true, cancellationToken);

    public Task UnpinAsync(Guid caller, Guid conversationId, Guid messageId, CancellationToken cancellationToken) =>
        ChangePinAsync(caller, conversationId, messageId, pin: false, cancellationToken);

    /// <summary>The pinned messages, most recently pinned first.</summary>
    public async Task<IReadOnlyList<MessageView>> PinnedAsync(Guid caller, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await Membership.RequireAsync(connection, null, conversationId, caller, cancellationToken);
        var pinned = (await connection.QueryAsync<MessageView>(new CommandDefinition(
            $"""
            SELECT {string.Join(", ", MessageView.Columns.Split(", ").Select(c => "m." + c))}
            FROM pinned_messages p JOIN messages m ON m.id = p.message_id
            WHERE p.conversation_id = @conversationId
            ORDER BY p.pinned_at DESC, m.seq DESC
            """,
            new { conversationId },
            cancellationToken: cancellationToken))).ToList();
        return await MessageDetails.AddAsync(connection, null, pinned, cancellationToken);
    }

    private async Task ChangePinAsync(Guid caller, Guid conversationId, Guid messageId, bool pin, CancellationToken cancellationToken) =>
        await database.WriteAsync(
            async (connection, transaction) =>
            {
                var member = await ConversationLock.RequireMemberAsync(connection, transaction, database.Engine, conversationId, caller, cancellationToken);
                if (member.IsGroup && !Roles.CanModerate(member.Role))
                {
                    throw new ChatException(ChatErrorKind.Forbidden, "not_allowed", "Only moderators and above pin messages in a group.");
                }

                await RefuseBlockedDirectAsync(connection, transaction, conversationId, caller, cancellationToken);

                var message = await RequireMessageAsync(connection, transaction, conversationId, messageId, cancellationToken);
                if (pin && message.DeletedAt is not null)
                {
                    throw new ChatException(ChatErrorKind.Conflict, "message_deleted", "A deleted message cannot be pinned.");
                }

                var pinned = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT count(*) FROM pinned_messages WHERE conversation_id = @conversationId AND message_id = @messageId",
                    new { conversationId, messageId },
                    transaction,
                    cancellationToken: cancellationToken)) > 0;
                if (pinned == pin)
                {
                    return 0;
                }

                // Counted under the conversation's row lock: parallel pins cannot pass the limit together.
                if (pin && await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                        "SELECT count(*) FROM pinned_messages WHERE conversation_id = @conversationId",
                        new { conversationId },
                        transaction,
                        cancellationToken: cancellationToken)) >= MaxPinsPerConversation)
                {
                    throw new ChatException(ChatErrorKind.Conflict, "too_many_pins", $"A conversation has at most {MaxPinsPerConversation} pinned messages; unpin one first.");
                }

                var now = clock.Now();
                await connection.ExecuteAsync(new CommandDefinition(
                    pin
                        ? "INSERT INTO pinned_messages (conversation_id, message_id, pinned_by, pinned_at) VALUES (@conversationId, @messageId, @caller, @now)"
                        : "DELETE FROM pinned_messages WHERE conversation_id = @conversationId AND message_id = @messageId",
                    new { conversationId, messageId, caller, now },
                    transaction,
                    cancellationToken: cancellationToken));
                await ConversationLog.AppendAsync(connection, transaction, conversationId, pin ? EventKind.MessagePinned : EventKind.MessageUnpinned, caller, messageId, EventPayload.Empty, now, cancellationToken);
                return 1;
            },
            cancellationToken);
}
