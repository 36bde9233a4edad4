using System.Data.Common;
using Confab.Chat.Accounts;
using Confab.Chat.Ids;
using Confab.Chat.Realtime;
using Confab.Chat.Users;
using Confab.Storage;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Conversations;

/// <summary>Creating conversations and reading them as a member. A direct conversation is unique per pair of users.</summary>
public sealed class ConversationStore(ConfabDatabase database, TimeProvider clock, ConversationLimits? limits = null)
{
    private readonly ConversationLimits limits = limits ?? new ConversationLimits();

    private const string ViewColumns = """
        c.id AS Id, c.kind AS Kind, c.title AS Title, p.role AS Role, c.last_seq AS LastSeq, c.message_count AS MessageCount,
        p.last_read_seq AS LastReadSeq, p.last_delivered_seq AS LastDeliveredSeq, c.message_count - p.last_read_message_count AS UnreadCount,
        p.muted_until AS MutedUntil, c.last_activity_at AS LastActivityAt, c.created_at AS CreatedAt,
        CASE WHEN c.direct_user_low = p.user_id THEN c.direct_user_high ELSE c.direct_user_low END AS OtherUserId,
        CASE WHEN ou.erased_at IS NULL THEN ou.username END AS OtherUsername,
        CASE WHEN ou.erased_at IS NULL THEN ou.display_name ELSE 'Deleted user' END AS OtherDisplayName,
        m.id AS PreviewId, m.seq AS PreviewSeq, m.sender_id AS PreviewSenderId, m.kind AS PreviewKind,
        m.body AS PreviewBody, m.created_at AS PreviewCreatedAt, m.deleted_at AS PreviewDeletedAt,
        CASE WHEN mu.erased_at IS NULL THEN mu.display_name ELSE 'Deleted user' END AS PreviewSenderName
        """;

    private const string ViewFrom = """
        FROM participants p
        JOIN conversations c ON c.id = p.conversation_id
        LEFT JOIN messages m ON m.conversation_id = c.id AND m.message_number = c.message_count
        LEFT JOIN users ou ON c.kind = 'direct' AND ou.id = CASE WHEN c.direct_user_low = p.user_id THEN c.direct_user_high ELSE c.direct_user_low END
        LEFT JOIN users mu ON mu.id = m.sender_id
        """;

    /// <summary>Creates a conversation; a direct one that exists already is returned instead (Created is false).</summary>
    public async Task<(ConversationView Conversation, bool Created)> CreateAsync(Guid caller, NewConversation request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        TextRules.Require(request.Title, "title");
        var members = (request.Members ?? []).Where(m => m != caller).Distinct().ToList();
        switch (request.Kind)
        {
            case "direct" when members.Count != 1:
                throw ChatException.Invalid("members", "a direct conversation has exactly one other member");
            case "direct" when request.Title is not null:
                throw ChatException.Invalid("title", "a direct conversation has no title");
            case "group" when string.IsNullOrWhiteSpace(request.Title):
                throw ChatException.Invalid("title", "a group needs a title");
            case "group" when AccountRules.TextLength(request.Title!) > 200:
                throw ChatException.Invalid("title", "must be at most 200 characters");
            case "group" when members.Count > limits.MaxMembersPerChange || members.Count + 1 > limits.MaxGroupMembers:
                throw TooManyMembers(Math.Min(limits.MaxMembersPerChange, limits.MaxGroupMembers - 1));
            case "direct" or "group":
                break;
            default:
                throw ChatException.Invalid("kind", "must be \"direct\" or \"group\"");
        }

        try
        {
            return await database.WriteAsync(
                async (connection, transaction) =>
                {
                    await RequireUsersAsync(connection, transaction, caller, members, cancellationToken);
                    if (request.Kind == "direct")
                    {
                        var existing = await FindDirectAsync(connection, transaction, caller, members[0], cancellationToken);
                        if (existing is not null)
                        {
                            return (await ViewAsync(connection, transaction, existing.Value, caller, cancellationToken), false);
                        }
                    }

                    var id = await InsertAsync(connection, transaction, caller, request.Kind!, request.Title?.Trim(), members, cancellationToken);
                    return (await ViewAsync(connection, transaction, id, caller, cancellationToken), true);
                },
                cancellationToken);
        }
        catch (DbException ex) when (request.Kind == "direct" && StorageErrors.IsUniqueViolation(ex))
        {
            // Both users opened the conversation at once: the other insert won; return its conversation.
            await using var connection = await database.OpenConnectionAsync(cancellationToken);
            var existing = await FindDirectAsync(connection, null, caller, members[0], cancellationToken) ?? throw new InvalidOperationException("lost the direct conversation", ex);
            return (await ViewAsync(connection, null, existing, caller, cancellationToken), false);
        }
    }

    internal static ChatException TooManyMembers(int most) =>
        new(ChatErrorKind.Validation, "too_many_members", $"Name at most {most} members at once.",
            new Dictionary<string, string[]> { ["members"] = [$"name at most {most} members at once"] });

    public async Task<ConversationView> GetAsync(Guid caller, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await ViewAsync(connection, null, conversationId, caller, cancellationToken);
    }

    /// <summary>The caller's conversations, most recently active first, <paramref name="limit"/> at a time.</summary>
    public async Task<ConversationPage> ListAsync(Guid caller, string? cursor, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 200)
        {
            throw ChatException.Invalid("limit", "must be between 1 and 200");
        }

        var after = cursor is null ? ((DateTime, Guid)?)null : KeysetCursor.Decode(cursor);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = (await QueryViewsAsync(
            connection,
            $"""
            SELECT {ViewColumns}
            {ViewFrom}
            WHERE p.user_id = @caller AND p.left_at IS NULL AND c.deleted_at IS NULL
              AND (@hasCursor = 0 OR c.last_activity_at < @at OR (c.last_activity_at = @at AND c.id < @id))
            ORDER BY c.last_activity_at DESC, c.id DESC
            LIMIT @take
            """,
            new { caller, hasCursor = after is null ? 0 : 1, at = after?.Item1 ?? DateTime.UnixEpoch, id = after?.Item2 ?? Guid.Empty, take = limit + 1 },
            null,
            cancellationToken)).ToList();
        var page = rows.Take(limit).ToList();
        var next = rows.Count > limit ? KeysetCursor.Encode(page[^1].LastActivityAt, page[^1].Id) : null;
        return new ConversationPage(page, next);
    }

    private async Task<Guid> InsertAsync(
        DbConnection connection, DbTransaction transaction, Guid caller, string kind, string? title, List<Guid> members, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var id = Uuid7.NewId(now);
        (Guid? low, Guid? high) = kind == "direct" ? UserPair.Order(caller, members[0]) : ((Guid?)null, (Guid?)null);
        var everyone = members.Prepend(caller).ToList();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO conversations (id, kind, title, settings, created_by, direct_user_low, direct_user_high, last_seq, last_activity_at, created_at, updated_at)
            VALUES (@id, @kind, @title, @settings, @caller, @low, @high, 0, @now, @now, @now)
            """,
            new { id, kind, title, settings = JsonText.EmptyObject, caller, low, high, now },
            transaction,
            cancellationToken: cancellationToken));
        List<LogEntry> log = [new LogEntry(EventKind.ConversationCreated, caller)];
        foreach (var member in everyone)
        {
            var role = kind == "group" && member == caller ? "owner" : "member";
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO participants (conversation_id, user_id, role, joined_at, joined_seq, updated_at)
                VALUES (@id, @member, @role, @now, 0, @now)
                """,
                new { id, member, role, now },
                transaction,
                cancellationToken: cancellationToken));
            if (kind == "group" && member != caller)
            {
                log.Add(new LogEntry(EventKind.MemberAdded, caller, Payload: EventPayload.Write(new MemberChange(member))));
            }

            // Every member's live sockets learn of it and start following it from its first event.
            await UserLog.AppendAsync(connection, transaction, member, UserEventKind.ConversationJoined, EventPayload.Write(new ConversationJoined(id, 0)), now, cancellationToken);
        }

        await ConversationLog.AppendAsync(connection, transaction, id, log, now, cancellationToken);
        return id;
    }

    private static async Task RequireUsersAsync(DbConnection connection, DbTransaction transaction, Guid caller, List<Guid> members, CancellationToken cancellationToken)
    {
        foreach (var member in members)
        {
            var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT count(*) FROM users WHERE id = @member AND erased_at IS NULL AND disabled_at IS NULL",
                new { member },
                transaction,
                cancellationToken: cancellationToken));
            if (exists == 0)
            {
                throw new ChatException(ChatErrorKind.Validation, "unknown_user", $"There is no user {member}.",
                    new Dictionary<string, string[]> { ["members"] = [$"{member} is not a user"] });
            }

            if (await Membership.BlockedAsync(connection, transaction, caller, member, cancellationToken))
            {
                throw new ChatException(ChatErrorKind.Forbidden, "blocked", "You cannot start a conversation with this user.");
            }
        }
    }

    private static async Task<Guid?> FindDirectAsync(DbConnection connection, DbTransaction? transaction, Guid a, Guid b, CancellationToken cancellationToken)
    {
        var (low, high) = UserPair.Order(a, b);
        return await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            "SELECT id FROM conversations WHERE direct_user_low = @low AND direct_user_high = @high",
            new { low, high },
            transaction,
            cancellationToken: cancellationToken));
    }

    private static async Task<ConversationView> ViewAsync(DbConnection connection, DbTransaction? transaction, Guid conversationId, Guid caller, CancellationToken cancellationToken)
    {
        var rows = await QueryViewsAsync(
            connection,
            $"""
            SELECT {ViewColumns}
            {ViewFrom}
            WHERE p.conversation_id = @conversationId AND p.user_id = @caller AND p.left_at IS NULL AND c.deleted_at IS NULL
            """,
            new { conversationId, caller },
            transaction,
            cancellationToken);
        return rows.SingleOrDefault() ?? throw Membership.NotFound();
    }


    /// <summary>The last-message columns of a view row; Dapper splits them off at PreviewId.</summary>
    private sealed record PreviewRow
    {
        public Guid? PreviewId { get; init; }

        public long? PreviewSeq { get; init; }

        public Guid? PreviewSenderId { get; init; }

        public string? PreviewKind { get; init; }

        public string? PreviewBody { get; init; }

        public DateTime? PreviewCreatedAt { get; init; }

        public DateTime? PreviewDeletedAt { get; init; }

        public string? PreviewSenderName { get; init; }

        public MessagePreview? ToPreview() => PreviewId is { } id
            ? new MessagePreview(id, PreviewSeq!.Value, PreviewSenderId, PreviewKind!, Clip(PreviewBody), PreviewCreatedAt!.Value, PreviewDeletedAt is not null)
            {
                SenderName = PreviewSenderId is null ? null : PreviewSenderName,
            }
            : null;

        private static string? Clip(string? body) =>
            body is null ? null : string.Concat(body.EnumerateRunes().Take(140).Select(r => r.ToString()));
    }

    private static async Task<IEnumerable<ConversationView>> QueryViewsAsync(
        System.Data.Common.DbConnection connection, string sql, object args, System.Data.Common.DbTransaction? transaction, CancellationToken cancellationToken) =>
        await connection.QueryAsync<ConversationView, PreviewRow, ConversationView>(
            new CommandDefinition(sql, args, transaction, cancellationToken: cancellationToken),
            (view, preview) => view.Kind == "direct"
                ? view with { LastMessage = preview?.ToPreview() }
                : view with { OtherUserId = null, OtherUsername = null, OtherDisplayName = null, LastMessage = preview?.ToPreview() },
            splitOn: "PreviewId");
}
