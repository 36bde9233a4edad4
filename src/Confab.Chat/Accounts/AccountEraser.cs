using System.Data.Common;
using Confab.Chat.Audit;
using Confab.Chat.Conversations;
using Confab.Chat.Realtime;
using Confab.Chat.Sessions;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Accounts;

/// <summary>
/// Deletes an account in one transaction. Personal data goes: profile, e-mail, password, sessions, devices and keys,
/// contacts, reactions, uploads and the user's event stream. The user's messages become tombstones — content gone,
/// place kept — so conversations keep their order and replies, with the author shown as a deleted user. The account
/// row stays, renamed and marked erased, because messages, events and the audit log refer to it by id.
/// </summary>
public sealed class AccountEraser(ConfabDatabase database, AccountStore accounts, SessionStore sessions, TimeProvider clock)
{
    public async Task EraseAsync(AuthenticatedSession caller, string? password, ClientInfo client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (string.IsNullOrEmpty(password))
        {
            throw ChatException.Invalid("password", "is required to delete the account");
        }

        // PBKDF2 outside the writer; the transaction then erases only if the verified hash is still the stored one.
        var verified = await accounts.StoredHashAsync(caller.UserId, cancellationToken);
        if (verified is null || !PasswordHashing.Verify(verified, password))
        {
            throw WrongPassword();
        }

        var erased = await database.WriteAsync(
            async (connection, transaction) =>
            {
                var userId = caller.UserId;
                // The sessions lock comes before any row lock on the user (SessionStore.LockUserSessionsAsync); then the
                // user's row, so that no send of this account commits after its messages are read (see UserRowLock).
                await SessionStore.LockUserSessionsAsync(connection, transaction, userId, cancellationToken);
                await Users.UserRowLock.TakeExclusiveAsync(connection, transaction, database.Engine, userId, cancellationToken);
                var hash = await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
                    "SELECT password_hash FROM users WHERE id = @userId AND erased_at IS NULL", new { userId }, transaction, cancellationToken: cancellationToken));
                if (hash != verified)
                {
                    return false;
                }

                var now = clock.Now();
                await TombstoneMessagesAsync(connection, transaction, userId, now, cancellationToken);
                await RemoveReactionsAsync(connection, transaction, userId, now, cancellationToken);
                await LeaveConversationsAsync(connection, transaction, userId, now, cancellationToken);
                await sessions.RevokeAllAsync(connection, transaction, userId, null, "account_deleted", cancellationToken);
                foreach (var sql in new[]
                {
                    "DELETE FROM contacts WHERE user_low = @userId OR user_high = @userId",
                    "DELETE FROM devices WHERE user_id = @userId",
                    "DELETE FROM attachments WHERE uploader_id = @userId",
                    "DELETE FROM user_events WHERE user_id = @userId",
                    """
                    UPDATE users SET username = @username, email = NULL, password_hash = NULL, display_name = 'Deleted user', avatar_url = NULL,
                           bio = NULL, status_message = NULL, presence = 'offline', last_seen_at = NULL, is_admin = FALSE, erased_at = @now
                    WHERE id = @userId
                    """,
                })
                {
                    await connection.ExecuteAsync(new CommandDefinition(
                        sql, new { userId, now, username = $"deleted_{userId:N}" }, transaction, cancellationToken: cancellationToken));
                }

                await AuditLog.RecordAsync(connection, transaction, userId, "account.deleted", client, AuditSeverity.Notice, "user", userId.ToString(),
                    cancellationToken: cancellationToken);
                return true;
            },
            cancellationToken);
        if (!erased)
        {
            throw WrongPassword();
        }
    }

    private static ChatException WrongPassword() =>
        new(ChatErrorKind.Validation, "wrong_password", "The password is wrong.", new Dictionary<string, string[]> { ["password"] = ["is wrong"] });

    private static async Task TombstoneMessagesAsync(DbConnection connection, DbTransaction transaction, Guid userId, DateTime now, CancellationToken cancellationToken)
    {
        var messages = await connection.QueryAsync<(Guid Id, Guid ConversationId)>(new CommandDefinition(
            "SELECT id, conversation_id FROM messages WHERE sender_id = @userId AND deleted_at IS NULL ORDER BY conversation_id, seq",
            new { userId },
            transaction,
            cancellationToken: cancellationToken));
        foreach (var (id, conversationId) in messages)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE messages SET body = NULL, ciphertext = NULL, deleted_at = @now, deleted_by = @userId WHERE id = @id;
                """,
                new { id, now, userId },
                transaction,
                cancellationToken: cancellationToken));
            await ConversationLog.AppendAsync(connection, transaction, conversationId, EventKind.MessageDeleted, userId, id, EventPayload.Empty, now, cancellationToken);
        }

        // Earlier versions of the user's messages, and their pins, go with the content.
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM message_edits WHERE message_id IN (SELECT id FROM messages WHERE sender_id = @userId)",
            new { userId }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM pinned_messages WHERE message_id IN (SELECT id FROM messages WHERE sender_id = @userId)",
            new { userId }, transaction, cancellationToken: cancellationToken));
    }

    private static async Task RemoveReactionsAsync(DbConnection connection, DbTransaction transaction, Guid userId, DateTime now, CancellationToken cancellationToken)
    {
        var reactions = await connection.QueryAsync<(Guid MessageId, Guid ConversationId, string Emoji)>(new CommandDefinition(
            "SELECT r.message_id, m.conversation_id, r.emoji FROM reactions r JOIN messages m ON m.id = r.message_id WHERE r.user_id = @userId",
            new { userId },
            transaction,
            cancellationToken: cancellationToken));
        foreach (var (messageId, conversationId, emoji) in reactions)
        {
            await ConversationLog.AppendAsync(connection, transaction, conversationId, EventKind.ReactionRemoved, userId, messageId,
                EventPayload.Write(new ReactionChange(emoji)), now, cancellationToken);
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM reactions WHERE user_id = @userId", new { userId }, transaction, cancellationToken: cancellationToken));
    }

    private static async Task LeaveConversationsAsync(DbConnection connection, DbTransaction transaction, Guid userId, DateTime now, CancellationToken cancellationToken)
    {
        var memberships = await connection.QueryAsync<(Guid ConversationId, string Kind, string Role)>(new CommandDefinition(
            """
            SELECT p.conversation_id, c.kind, p.role FROM participants p JOIN conversations c ON c.id = p.conversation_id
            WHERE p.user_id = @userId AND p.left_at IS NULL
            """,
            new { userId },
            transaction,
            cancellationToken: cancellationToken));
        foreach (var (conversationId, kind, role) in memberships)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE participants SET left_at = @now WHERE conversation_id = @conversationId AND user_id = @userId",
                new { now, conversationId, userId },
                transaction,
                cancellationToken: cancellationToken));
            await ConversationLog.AppendAsync(connection, transaction, conversationId, EventKind.MemberRemoved, userId, null,
                EventPayload.Write(new MemberChange(userId)), now, cancellationToken);
            if (kind == "group" && role == Roles.Owner)
            {
                await Succession.HandOverIfOwnerlessAsync(connection, transaction, conversationId, userId, now, cancellationToken);
            }
        }
    }
}
