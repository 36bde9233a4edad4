using Confab.Chat.Conversations;
using Dapper;

namespace Confab.Chat.Messages;

/// <summary>Reading around a message: who has seen it, its replies, and the history on both sides of it.</summary>
public sealed partial class MessageStore
{
    /// <summary>Members other than the sender whose read watermark has reached the message, derived from the watermarks.</summary>
    public async Task<IReadOnlyList<SeenBy>> SeenByAsync(Guid caller, Guid conversationId, Guid messageId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await Membership.RequireAsync(connection, null, conversationId, caller, cancellationToken);
        var message = await RequireMessageAsync(connection, null, conversationId, messageId, cancellationToken);
        return (await connection.QueryAsync<SeenBy>(new CommandDefinition(
            """
            SELECT u.id AS UserId, u.username AS Username, u.display_name AS DisplayName, p.last_read_seq AS LastReadSeq
            FROM participants p JOIN users u ON u.id = p.user_id
            WHERE p.conversation_id = @conversationId AND p.left_at IS NULL AND p.last_read_seq >= @Seq AND u.erased_at IS NULL
              AND (@noSender OR p.user_id <> @senderId)
            ORDER BY u.username
            """,
            new { conversationId, message.Seq, noSender = message.SenderId is null, senderId = message.SenderId ?? Guid.Empty },
            cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>Direct replies to a message, oldest first, after <paramref name="after"/>.</summary>
    public async Task<MessagePage> RepliesAsync(Guid caller, Guid conversationId, Guid messageId, long? after, int limit, CancellationToken cancellationToken)
    {
        RequireLimit(limit);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await Membership.RequireAsync(connection, null, conversationId, caller, cancellationToken);
        await RequireMessageAsync(connection, null, conversationId, messageId, cancellationToken);
        var rows = (await connection.QueryAsync<MessageView>(new CommandDefinition(
            $"""
            SELECT {MessageView.Columns} FROM messages
            WHERE conversation_id = @conversationId AND reply_to_id = @messageId AND seq > @after
            ORDER BY seq LIMIT @take
            """,
            new { conversationId, messageId, after = after ?? 0, take = limit + 1 },
            cancellationToken: cancellationToken))).ToList();
        return new MessagePage(await MessageDetails.AddAsync(connection, null, rows.Take(limit).ToList(), cancellationToken), rows.Count > limit);
    }

    /// <summary>The message and up to half of <paramref name="limit"/> on each side of it, in seq order.</summary>
    public async Task<MessagePage> AroundAsync(Guid caller, Guid conversationId, Guid messageId, int limit, CancellationToken cancellationToken)
    {
        RequireLimit(limit);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await Membership.RequireAsync(connection, null, conversationId, caller, cancellationToken);
        var anchor = await RequireMessageAsync(connection, null, conversationId, messageId, cancellationToken);
        // limit 1 is the message alone: no side may ask for a negative count (SQLite reads LIMIT -1 as no limit,
        // PostgreSQL refuses it).
        var side = limit == 1 ? 0 : Math.Max(1, (limit - 1) / 2);
        var before = (await connection.QueryAsync<MessageView>(new CommandDefinition(
            $"SELECT {MessageView.Columns} FROM messages WHERE conversation_id = @conversationId AND seq < @Seq ORDER BY seq DESC LIMIT @side",
            new { conversationId, anchor.Seq, side },
            cancellationToken: cancellationToken))).ToList();
        var after = await connection.QueryAsync<MessageView>(new CommandDefinition(
            $"SELECT {MessageView.Columns} FROM messages WHERE conversation_id = @conversationId AND seq > @Seq ORDER BY seq LIMIT @take",
            new { conversationId, anchor.Seq, take = Math.Max(0, limit - 1 - before.Count) },
            cancellationToken: cancellationToken));
        before.Reverse();
        return new MessagePage(await MessageDetails.AddAsync(connection, null, before.Append(anchor).Concat(after).ToList(), cancellationToken), HasMore: false);
    }

    /// <summary>Unread messages over all the caller's conversations, and how many conversations have any.</summary>
    public async Task<UnreadTotals> UnreadAsync(Guid caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<UnreadTotals>(new CommandDefinition(
            """
            SELECT coalesce(sum(c.message_count - p.last_read_message_count), 0) AS Messages,
                   coalesce(sum(CASE WHEN c.message_count > p.last_read_message_count THEN 1 ELSE 0 END), 0) AS Conversations
            FROM participants p JOIN conversations c ON c.id = p.conversation_id
            WHERE p.user_id = @caller AND p.left_at IS NULL AND c.deleted_at IS NULL
            """,
            new { caller },
            cancellationToken: cancellationToken));
    }

    private static void RequireLimit(int limit)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            throw ChatException.Invalid("limit", $"must be between 1 and {MaxPageSize}");
        }
    }
}

public sealed record SeenBy
{
    public Guid UserId { get; init; }

    public string Username { get; init; } = string.Empty;

    public string DisplayName { get; init; } = string.Empty;

    public long LastReadSeq { get; init; }
}

public sealed record UnreadTotals
{
    public long Messages { get; init; }

    public long Conversations { get; init; }
}
