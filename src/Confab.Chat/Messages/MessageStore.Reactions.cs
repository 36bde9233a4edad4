using Confab.Chat.Conversations;
using Confab.Chat.Realtime;
using Confab.Storage;
using Dapper;

namespace Confab.Chat.Messages;

/// <summary>
/// Reactions: one per message, user and emoji, and at most <see cref="MaxReactionsPerUserPerMessage"/> different ones
/// per user and message. Adding one twice or removing one that is not there changes nothing.
/// </summary>
public sealed partial class MessageStore
{
    public const int MaxReactionsPerUserPerMessage = 20;

    public async Task AddReactionAsync(Guid caller, Guid conversationId, Guid messageId, string emoji, CancellationToken cancellationToken)
    {
        RequireEmoji(emoji);
        try
        {
            await database.WriteAsync(
                async (connection, transaction) =>
                {
                    await ConversationLock.RequireMemberAsync(connection, transaction, database.Engine, conversationId, caller, cancellationToken);
                    var message = await RequireMessageAsync(connection, transaction, conversationId, messageId, cancellationToken);
                    if (message.DeletedAt is not null)
                    {
                        throw new ChatException(ChatErrorKind.Conflict, "message_deleted", "A deleted message cannot be reacted to.");
                    }

                    await RefuseBlockedDirectAsync(connection, transaction, conversationId, caller, cancellationToken);

                    var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                        "SELECT count(*) FROM reactions WHERE message_id = @messageId AND user_id = @caller AND emoji = @emoji",
                        new { messageId, caller, emoji },
                        transaction,
                        cancellationToken: cancellationToken));
                    if (exists > 0)
                    {
                        return 0;
                    }

                    // Counted under the conversation's row lock, so parallel adds cannot pass the limit together.
                    var mine = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                        "SELECT count(*) FROM reactions WHERE message_id = @messageId AND user_id = @caller",
                        new { messageId, caller },
                        transaction,
                        cancellationToken: cancellationToken));
                    if (mine >= MaxReactionsPerUserPerMessage)
                    {
                        throw new ChatException(ChatErrorKind.Conflict, "too_many_reactions",
                            $"You have at most {MaxReactionsPerUserPerMessage} different reactions on one message; remove one first.");
                    }

                    var now = clock.Now();
                    await connection.ExecuteAsync(new CommandDefinition(
                        "INSERT INTO reactions (message_id, user_id, emoji, created_at) VALUES (@messageId, @caller, @emoji, @now)",
                        new { messageId, caller, emoji, now },
                        transaction,
                        cancellationToken: cancellationToken));
                    await ConversationLog.AppendAsync(connection, transaction, conversationId, EventKind.ReactionAdded, caller, messageId,
                        EventPayload.Write(new ReactionChange(emoji)), now, cancellationToken);
                    return 1;
                },
                cancellationToken);
        }
        catch (System.Data.Common.DbException ex) when (StorageErrors.IsUniqueViolation(ex))
        {
            // The same reaction was added concurrently: the outcome is the one asked for.
        }
    }

    public async Task RemoveReactionAsync(Guid caller, Guid conversationId, Guid messageId, string emoji, CancellationToken cancellationToken)
    {
        RequireEmoji(emoji);
        await database.WriteAsync(
            async (connection, transaction) =>
            {
                await Membership.RequireAsync(connection, transaction, conversationId, caller, cancellationToken);
                await RequireMessageAsync(connection, transaction, conversationId, messageId, cancellationToken);
                var removed = await connection.ExecuteAsync(new CommandDefinition(
                    "DELETE FROM reactions WHERE message_id = @messageId AND user_id = @caller AND emoji = @emoji",
                    new { messageId, caller, emoji },
                    transaction,
                    cancellationToken: cancellationToken));
                if (removed > 0)
                {
                    await ConversationLog.AppendAsync(connection, transaction, conversationId, EventKind.ReactionRemoved, caller, messageId,
                        EventPayload.Write(new ReactionChange(emoji)), clock.Now(), cancellationToken);
                }

                return removed;
            },
            cancellationToken);
    }

    /// <summary>A message's reactions, grouped by emoji in the order they first appeared.</summary>
    public async Task<IReadOnlyList<ReactionGroup>> ReactionsAsync(Guid caller, Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await Membership.RequireAsync(connection, null, conversationId, caller, cancellationToken);
        await RequireMessageAsync(connection, null, conversationId, messageId, cancellationToken);
        var rows = await connection.QueryAsync<(string Emoji, Guid UserId, DateTime CreatedAt)>(new CommandDefinition(
            "SELECT emoji, user_id, created_at FROM reactions WHERE message_id = @messageId ORDER BY created_at, user_id",
            new { messageId },
            cancellationToken: cancellationToken));
        return rows.GroupBy(r => r.Emoji, StringComparer.Ordinal)
            .Select(g => new ReactionGroup(g.Key, g.Count(), g.Select(r => r.UserId).ToList(), g.Any(r => r.UserId == caller)))
            .ToList();
    }

    private static void RequireEmoji(string emoji)
    {
        TextRules.Require(emoji, "emoji");
        if (!Emoji.IsReaction(emoji))
        {
            throw ChatException.Invalid("emoji", "must be a single emoji");
        }
    }
}

public sealed record ReactionGroup(string Emoji, int Count, IReadOnlyList<Guid> UserIds, bool Mine);
