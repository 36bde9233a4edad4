using System.Data.Common;
using Confab.Chat.Accounts;
using Confab.Chat.Conversations;
using Confab.Chat.Ids;
using Confab.Chat.Realtime;
using Confab.Storage;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Messages;

/// <summary>
/// Sending and reading messages, and the read and delivered watermarks. Every change takes the conversation's next
/// seq inside the transaction that makes it, while holding the conversation's row lock, so commit order is seq order.
/// </summary>
public sealed partial class MessageStore(ConfabDatabase database, TimeProvider clock)
{
    public const int MaxBodyLength = 10_000;
    public const int MaxCiphertextBytes = 65_536;
    public const int MaxPageSize = 200;

    /// <summary>Sends a message; the same client id from the same sender returns the original (Created is false).</summary>
    public async Task<(MessageView Message, bool Created)> SendAsync(Guid sender, Guid conversationId, NewMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request);
        try
        {
            return await database.WriteAsync(
                async (connection, transaction) =>
                {
                    // The sender's row, then the conversation's, and only then the checks: a deletion of the account,
                    // a removal from the group or a block that commits first is seen (see UserRowLock, ConversationLock).
                    if (!await Users.UserRowLock.ShareLiveAsync(connection, transaction, database.Engine, sender, cancellationToken))
                    {
                        throw Membership.NotFound();
                    }

                    await ConversationLock.RequireMemberAsync(connection, transaction, database.Engine, conversationId, sender, cancellationToken);
                    if (await FindRetryAsync(connection, transaction, conversationId, sender, request.ClientMsgId, cancellationToken) is { } original)
                    {
                        return (original, false);
                    }

                    await RefuseBlockedDirectAsync(connection, transaction, conversationId, sender, cancellationToken);
                    await RequireReplyTargetAsync(connection, transaction, conversationId, request.ReplyTo, cancellationToken);
                    var now = clock.Now();
                    var id = Uuid7.NewId(now);
                    var (seq, number) = await ConversationLog.AppendMessageAsync(
                        connection,
                        transaction,
                        conversationId,
                        sender,
                        id,
                        (messageSeq, messageNumber) => connection.ExecuteAsync(new CommandDefinition(
                            """
                            INSERT INTO messages (id, conversation_id, seq, message_number, sender_id, client_msg_id, kind, body, ciphertext, reply_to_id, metadata, created_at)
                            VALUES (@id, @conversationId, @seq, @number, @sender, @ClientMsgId, @kind, @Body, @Ciphertext, @ReplyTo, @metadata, @now)
                            """,
                            new
                            {
                                id, conversationId, seq = messageSeq, number = messageNumber, sender, request.ClientMsgId, kind = request.Ciphertext is null ? "text" : "encrypted",
                                request.Body, request.Ciphertext, request.ReplyTo, metadata = JsonText.EmptyObject, now,
                            },
                            transaction,
                            cancellationToken: cancellationToken)),
                        now,
                        cancellationToken);

                    await AttachAsync(connection, transaction, conversationId, sender, id, request.AttachmentIds, cancellationToken);

                    // What you send, you have read.
                    await connection.ExecuteAsync(new CommandDefinition(
                        """
                        UPDATE participants SET last_read_seq = @seq, last_read_message_count = @number, last_delivered_seq = @seq
                        WHERE conversation_id = @conversationId AND user_id = @sender
                        """,
                        new { conversationId, sender, seq, number },
                        transaction,
                        cancellationToken: cancellationToken));
                    // The row as inserted: no need to read it back on the busiest write path.
                    var sent = new MessageView
                    {
                        Id = id, ConversationId = conversationId, Seq = seq, SenderId = sender, ClientMsgId = request.ClientMsgId,
                        Kind = request.Ciphertext is null ? "text" : "encrypted", Body = request.Body, Ciphertext = request.Ciphertext,
                        ReplyToId = request.ReplyTo, CreatedAt = now,
                    };
                    return (request.AttachmentIds.Count == 0 ? sent : await MessageDetails.AddAsync(connection, transaction, sent, cancellationToken), true);
                },
                cancellationToken);
        }
        catch (DbException ex) when (request.ClientMsgId is not null && StorageErrors.IsUniqueViolation(ex))
        {
            // A concurrent retry of the same send committed first; its transaction is the one that counts.
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            var original = await FindRetryAsync(connection, null, conversationId, sender, request.ClientMsgId, cancellationToken)
                ?? throw new InvalidOperationException("the duplicate send left no message", ex);
            return (original, false);
        }
    }

    /// <summary>
    /// History by seq: the newest page without bounds, older than <paramref name="before"/>, or newer than
    /// <paramref name="after"/>; always in ascending seq order.
    /// </summary>
    public async Task<MessagePage> HistoryAsync(Guid caller, Guid conversationId, long? before, long? after, int limit, CancellationToken cancellationToken)
    {
        RequireLimit(limit);
        if (before is not null && after is not null)
        {
            throw ChatException.Invalid("before", "give before or after, not both");
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await Membership.RequireAsync(connection, null, conversationId, caller, cancellationToken);
        var forward = after is not null;
        var rows = (await connection.QueryAsync<MessageView>(new CommandDefinition(
            forward
                ? $"SELECT {MessageView.Columns} FROM messages WHERE conversation_id = @conversationId AND seq > @after ORDER BY seq ASC LIMIT @take"
                : $"SELECT {MessageView.Columns} FROM messages WHERE conversation_id = @conversationId AND seq < @before ORDER BY seq DESC LIMIT @take",
            new { conversationId, after = after ?? 0, before = before ?? long.MaxValue, take = limit + 1 },
            cancellationToken: cancellationToken))).ToList();
        var page = rows.Take(limit).ToList();
        if (!forward)
        {
            page.Reverse();
        }

        return new MessagePage(await MessageDetails.AddAsync(connection, null, page, cancellationToken), rows.Count > limit);
    }

    /// <summary>Moves the caller's read watermark forward to <paramref name="seq"/> (never back), and delivered with it.</summary>
    public Task<Watermarks> MarkReadAsync(Guid caller, Guid conversationId, long seq, CancellationToken cancellationToken) =>
        MoveWatermarkAsync(caller, conversationId, seq, read: true, cancellationToken);

    /// <summary>Moves the caller's delivered watermark forward to <paramref name="seq"/> (never back).</summary>
    public Task<Watermarks> MarkDeliveredAsync(Guid caller, Guid conversationId, long seq, CancellationToken cancellationToken) =>
        MoveWatermarkAsync(caller, conversationId, seq, read: false, cancellationToken);

    private async Task<Watermarks> MoveWatermarkAsync(Guid caller, Guid conversationId, long seq, bool read, CancellationToken cancellationToken)
    {
        if (seq < 0)
        {
            throw ChatException.Invalid("seq", "must not be negative");
        }

        return await database.WriteAsync(
            async (connection, transaction) =>
            {
                await ConversationLock.RequireMemberAsync(connection, transaction, database.Engine, conversationId, caller, cancellationToken);
                var current = await connection.QuerySingleAsync<(long ReadSeq, long DeliveredSeq, long LastSeq)>(new CommandDefinition(
                    """
                    SELECT p.last_read_seq, p.last_delivered_seq, c.last_seq
                    FROM participants p JOIN conversations c ON c.id = p.conversation_id
                    WHERE p.conversation_id = @conversationId AND p.user_id = @caller
                    """,
                    new { conversationId, caller },
                    transaction,
                    cancellationToken: cancellationToken));
                if (seq > current.LastSeq)
                {
                    throw ChatException.Invalid("seq", $"is beyond the conversation's last seq ({current.LastSeq})");
                }

                seq = await LastReadableSeqAsync(connection, transaction, conversationId, seq, cancellationToken);
                var moves = read ? seq > current.ReadSeq : seq > current.DeliveredSeq;
                if (moves)
                {
                    await RecordReceiptAsync(connection, transaction, caller, conversationId, seq, read, cancellationToken);
                }

                return await WatermarksAsync(connection, transaction, caller, conversationId, cancellationToken);
            },
            cancellationToken);
    }

    /// <summary>
    /// A receipt is itself an event with a seq, so a watermark that could rest on a receipt would let a client read at
    /// lastSeq, then at the seq that receipt took, and so on without end, each receipt a new event for every member.
    /// A watermark therefore rests on the newest change at or below <paramref name="seq"/> that is not a receipt: reading
    /// on past receipts alone changes nothing, and each member adds at most one read and one delivered event per change.
    /// </summary>
    private static async Task<long> LastReadableSeqAsync(DbConnection connection, DbTransaction transaction, Guid conversationId, long seq, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            """
            SELECT seq FROM conversation_events
            WHERE conversation_id = @conversationId AND seq <= @seq AND kind NOT IN (@read, @delivered)
            ORDER BY seq DESC LIMIT 1
            """,
            new { conversationId, seq, read = EventKind.ReceiptRead, delivered = EventKind.ReceiptDelivered },
            transaction,
            cancellationToken: cancellationToken)) ?? 0;

    private async Task RecordReceiptAsync(DbConnection connection, DbTransaction transaction, Guid caller, Guid conversationId, long seq, bool read, CancellationToken cancellationToken)
    {
        // Messages read = the number of the newest message at or below the watermark: one index probe.
        var readCount = await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT message_number FROM messages WHERE conversation_id = @conversationId AND seq <= @seq ORDER BY seq DESC LIMIT 1",
            new { conversationId, seq },
            transaction,
            cancellationToken: cancellationToken)) ?? 0;
        await connection.ExecuteAsync(new CommandDefinition(
            read
                ? """
                  UPDATE participants SET last_read_seq = @seq, last_read_message_count = @readCount,
                         last_delivered_seq = CASE WHEN last_delivered_seq > @seq THEN last_delivered_seq ELSE @seq END
                  WHERE conversation_id = @conversationId AND user_id = @caller
                  """
                : "UPDATE participants SET last_delivered_seq = @seq WHERE conversation_id = @conversationId AND user_id = @caller",
            new { conversationId, caller, seq, readCount },
            transaction,
            cancellationToken: cancellationToken));
        await ConversationLog.AppendAsync(connection, transaction, conversationId, read ? EventKind.ReceiptRead : EventKind.ReceiptDelivered, caller, null,
            EventPayload.Write(new ReceiptMove(caller, seq)), clock.Now(), cancellationToken);
    }

    private static async Task<Watermarks> WatermarksAsync(DbConnection connection, DbTransaction transaction, Guid caller, Guid conversationId, CancellationToken cancellationToken) =>
        await connection.QuerySingleAsync<Watermarks>(new CommandDefinition(
            """
            SELECT p.last_read_seq AS LastReadSeq, p.last_delivered_seq AS LastDeliveredSeq, c.message_count - p.last_read_message_count AS UnreadCount
            FROM participants p JOIN conversations c ON c.id = p.conversation_id
            WHERE p.conversation_id = @conversationId AND p.user_id = @caller
            """,
            new { conversationId, caller },
            transaction,
            cancellationToken: cancellationToken));

    private static void Validate(NewMessage request)
    {
        TextRules.Require(request.Body, "body");
        TextRules.Require(request.ClientMsgId, "clientMsgId");
        var errors = new Dictionary<string, string[]>();
        if (request.Body is null == (request.Ciphertext is null))
        {
            errors["body"] = ["give either body or ciphertext"];
        }
        else if (request.Body is not null && string.IsNullOrWhiteSpace(request.Body))
        {
            errors["body"] = ["must not be empty"];
        }
        else if (request.Body is not null && AccountRules.TextLength(request.Body) > MaxBodyLength)
        {
            errors["body"] = [$"must be at most {MaxBodyLength} characters"];
        }
        else if (request.Ciphertext is { Length: 0 or > MaxCiphertextBytes })
        {
            errors["ciphertext"] = [$"must be 1 to {MaxCiphertextBytes} bytes"];
        }

        if (request.AttachmentIds.Count > 10)
        {
            errors["attachmentIds"] = ["attach at most 10 files to a message"];
        }

        if (request.ClientMsgId is { } clientId && (clientId.Length is 0 or > 100 || clientId.Any(char.IsControl)))
        {
            errors["clientMsgId"] = ["must be 1 to 100 printable characters"];
        }

        if (errors.Count > 0)
        {
            throw ChatException.Invalid(errors);
        }
    }

    private static async Task AttachAsync(
        DbConnection connection, DbTransaction transaction, Guid conversationId, Guid sender, Guid messageId, IReadOnlyList<Guid> attachmentIds, CancellationToken cancellationToken)
    {
        foreach (var attachmentId in attachmentIds.Distinct())
        {
            var attached = await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE attachments SET message_id = @messageId
                WHERE id = @attachmentId AND uploader_id = @sender AND conversation_id = @conversationId AND message_id IS NULL
                """,
                new { messageId, attachmentId, sender, conversationId },
                transaction,
                cancellationToken: cancellationToken));
            if (attached == 0)
            {
                throw new ChatException(ChatErrorKind.Validation, "invalid_attachment", "An attachment is not your unattached upload in this conversation.",
                    new Dictionary<string, string[]> { ["attachmentIds"] = [$"{attachmentId} cannot be attached"] });
            }
        }
    }

    /// <summary>The original of a retried send, as it is now (with the reactions and attachments it has since).</summary>
    private static async Task<MessageView?> FindRetryAsync(
        DbConnection connection, DbTransaction? transaction, Guid conversationId, Guid sender, string? clientMsgId, CancellationToken cancellationToken)
    {
        if (clientMsgId is null)
        {
            return null;
        }

        var original = await connection.QuerySingleOrDefaultAsync<MessageView>(new CommandDefinition(
            $"SELECT {MessageView.Columns} FROM messages WHERE conversation_id = @conversationId AND sender_id = @sender AND client_msg_id = @clientMsgId",
            new { conversationId, sender, clientMsgId },
            transaction,
            cancellationToken: cancellationToken));
        return original is null ? null : await MessageDetails.AddAsync(connection, transaction, original, cancellationToken);
    }

    private static async Task RefuseBlockedDirectAsync(DbConnection connection, DbTransaction transaction, Guid conversationId, Guid sender, CancellationToken cancellationToken)
    {
        var other = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            """
            SELECT CASE WHEN direct_user_low = @sender THEN direct_user_high ELSE direct_user_low END
            FROM conversations WHERE id = @conversationId AND kind = 'direct'
            """,
            new { conversationId, sender },
            transaction,
            cancellationToken: cancellationToken));
        if (other is { } otherUser && await Membership.BlockedAsync(connection, transaction, sender, otherUser, cancellationToken))
        {
            throw new ChatException(ChatErrorKind.Forbidden, "blocked", "You cannot message this user.");
        }
    }

    private static async Task RequireReplyTargetAsync(DbConnection connection, DbTransaction transaction, Guid conversationId, Guid? replyTo, CancellationToken cancellationToken)
    {
        if (replyTo is null)
        {
            return;
        }

        var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM messages WHERE id = @replyTo AND conversation_id = @conversationId",
            new { replyTo, conversationId },
            transaction,
            cancellationToken: cancellationToken));
        if (exists == 0)
        {
            throw ChatException.Invalid("replyTo", "is not a message of this conversation");
        }
    }

    private static async Task<MessageView> GetAsync(DbConnection connection, DbTransaction transaction, Guid id, CancellationToken cancellationToken) =>
        await connection.QuerySingleAsync<MessageView>(new CommandDefinition(
            $"SELECT {MessageView.Columns} FROM messages WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));
}
