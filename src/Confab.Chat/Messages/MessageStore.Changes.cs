using System.Data.Common;
using Confab.Chat.Audit;
using Confab.Chat.Conversations;
using Confab.Chat.Realtime;
using Dapper;

namespace Confab.Chat.Messages;

/// <summary>Editing and deleting messages; every change is an event with its own seq.</summary>
public sealed partial class MessageStore
{
    /// <summary>Replaces a message's content; only its author may, and the previous content is kept in the edit history.</summary>
    public async Task<MessageView> EditAsync(Guid caller, Guid conversationId, Guid messageId, string? body, byte[]? ciphertext, CancellationToken cancellationToken)
    {
        Validate(new NewMessage(null, body, ciphertext, null));
        return await database.WriteAsync(
            async (connection, transaction) =>
            {
                // Under the row lock: parallel edits of one message take successive versions, not the same one.
                await ConversationLock.RequireMemberAsync(connection, transaction, database.Engine, conversationId, caller, cancellationToken);
                var message = await RequireMessageAsync(connection, transaction, conversationId, messageId, cancellationToken);
                if (message.SenderId != caller)
                {
                    throw new ChatException(ChatErrorKind.Forbidden, "not_author", "Only the author may edit a message.");
                }

                await RefuseBlockedDirectAsync(connection, transaction, conversationId, caller, cancellationToken);

                if (message.DeletedAt is not null)
                {
                    throw new ChatException(ChatErrorKind.Conflict, "message_deleted", "A deleted message cannot be edited.");
                }

                if ((message.Kind == "encrypted") != (ciphertext is not null))
                {
                    throw ChatException.Invalid(ciphertext is null ? "ciphertext" : "body", $"an {message.Kind} message is edited with {(message.Kind == "encrypted" ? "ciphertext" : "body")}");
                }

                var now = clock.Now();
                var version = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT count(*) FROM message_edits WHERE message_id = @messageId", new { messageId }, transaction, cancellationToken: cancellationToken)) + 1;
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    INSERT INTO message_edits (message_id, version, previous_body, previous_ciphertext, edited_by, edited_at)
                    VALUES (@messageId, @version, @Body, @Ciphertext, @caller, @now)
                    """,
                    new { messageId, version = (int)version, message.Body, message.Ciphertext, caller, now },
                    transaction,
                    cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE messages SET body = @body, ciphertext = @ciphertext, edited_at = @now WHERE id = @messageId",
                    new { body, ciphertext, now, messageId },
                    transaction,
                    cancellationToken: cancellationToken));
                await ConversationLog.AppendAsync(connection, transaction, conversationId, EventKind.MessageEdited, caller, messageId, EventPayload.Empty, now, cancellationToken);
                return await MessageDetails.AddAsync(connection, transaction, await GetAsync(connection, transaction, messageId, cancellationToken), cancellationToken);
            },
            cancellationToken);
    }

    /// <summary>
    /// Leaves a tombstone: the content, its edit history and any pin go; the message keeps its place and seq.
    /// Its author may delete it, and in a group so may moderators and above (audited). Deleting twice is harmless.
    /// </summary>
    public async Task DeleteAsync(Guid caller, Guid conversationId, Guid messageId, ClientInfo client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        await database.WriteAsync(
            async (connection, transaction) =>
            {
                var member = await ConversationLock.RequireMemberAsync(connection, transaction, database.Engine, conversationId, caller, cancellationToken);
                var message = await RequireMessageAsync(connection, transaction, conversationId, messageId, cancellationToken);
                var asModerator = message.SenderId != caller;
                if (asModerator && !(member.IsGroup && Roles.CanModerate(member.Role)))
                {
                    throw new ChatException(ChatErrorKind.Forbidden, "not_allowed", "Only the author, or a moderator of a group, may delete this message.");
                }

                if (message.DeletedAt is not null)
                {
                    return 0;
                }

                var now = clock.Now();
                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    UPDATE messages SET body = NULL, ciphertext = NULL, deleted_at = @now, deleted_by = @caller WHERE id = @messageId;
                    """,
                    new { now, caller, messageId },
                    transaction,
                    cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM message_edits WHERE message_id = @messageId", new { messageId }, transaction, cancellationToken: cancellationToken));
                await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM pinned_messages WHERE message_id = @messageId", new { messageId }, transaction, cancellationToken: cancellationToken));
                await ConversationLog.AppendAsync(connection, transaction, conversationId, EventKind.MessageDeleted, caller, messageId, EventPayload.Empty, now, cancellationToken);
                if (asModerator)
                {
                    await AuditLog.RecordAsync(connection, transaction, caller, "message.deleted_by_moderator", client, AuditSeverity.Notice,
                        "message", messageId.ToString(), new { conversationId, authorId = message.SenderId }, cancellationToken);
                }

                return 1;
            },
            cancellationToken);
    }

    /// <summary>A message's earlier versions, oldest first.</summary>
    public async Task<IReadOnlyList<MessageEdit>> EditsAsync(Guid caller, Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await Membership.RequireAsync(connection, null, conversationId, caller, cancellationToken);
        await RequireMessageAsync(connection, null, conversationId, messageId, cancellationToken);
        return (await connection.QueryAsync<MessageEdit>(new CommandDefinition(
            """
            SELECT version AS Version, previous_body AS PreviousBody, previous_ciphertext AS PreviousCiphertext, edited_by AS EditedBy, edited_at AS EditedAt
            FROM message_edits WHERE message_id = @messageId ORDER BY version
            """,
            new { messageId },
            cancellationToken: cancellationToken))).ToList();
    }

    private static async Task<MessageView> RequireMessageAsync(DbConnection connection, DbTransaction? transaction, Guid conversationId, Guid messageId, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<MessageView>(new CommandDefinition(
            $"SELECT {MessageView.Columns} FROM messages WHERE id = @messageId AND conversation_id = @conversationId",
            new { messageId, conversationId },
            transaction,
            cancellationToken: cancellationToken))
        ?? throw new ChatException(ChatErrorKind.NotFound, "message_not_found", "There is no such message in this conversation.");
}

public sealed record MessageEdit
{
    public int Version { get; init; }

    public string? PreviousBody { get; init; }

    public byte[]? PreviousCiphertext { get; init; }

    public Guid? EditedBy { get; init; }

    public DateTime EditedAt { get; init; }
}
