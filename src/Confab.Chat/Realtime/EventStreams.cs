using Confab.Chat.Conversations;
using Confab.Chat.Messages;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Realtime;

/// <summary>A change inside a conversation, as its members replay it: the event log row and, for message kinds, the message as it is now.</summary>
public sealed record ConversationEvent
{
    public Guid ConversationId { get; init; }

    public long Seq { get; init; }

    public string Kind { get; init; } = string.Empty;

    public Guid? ActorId { get; init; }

    public Guid? MessageId { get; init; }

    /// <summary>The event's own fields as a JSON object.</summary>
    public string Payload { get; init; } = "{}";

    public DateTime CreatedAt { get; init; }

    public MessageView? Message { get; init; }
}

/// <summary>A change in a user's own stream: contacts, joining and leaving conversations, revoked sessions.</summary>
public sealed record UserEvent(long Seq, string Kind, string Payload, DateTime CreatedAt);

/// <summary>Where a user's streams stand: every conversation they belong to with its last seq, and their own stream's last seq.</summary>
public sealed record StreamPositions(IReadOnlyDictionary<Guid, long> Conversations, long UserSeq);

/// <summary>
/// Reads the durable event logs that real-time delivery replays from. Nothing here keeps state: a reader
/// holds its cursor and asks for what follows it, which is the same query for a replay and for live delivery.
/// </summary>
public sealed class EventStreams(ConfabDatabase database, TimeProvider clock)
{
    public const int MaxPage = 1000;

    /// <summary>A REST page stops after this many bytes of payloads and message contents (one event at least), whatever its limit.</summary>
    public const int MaxPageBytes = 1024 * 1024;

    private const string EventColumns =
        """
        e.conversation_id AS ConversationId, e.seq AS Seq, e.kind AS Kind, e.actor_id AS ActorId, e.message_id AS MessageId,
        e.payload AS Payload, e.created_at AS CreatedAt,
        m.id, m.conversation_id, m.seq, m.sender_id, m.client_msg_id, m.kind, m.body, m.ciphertext, m.reply_to_id, m.created_at, m.edited_at, m.deleted_at
        """;

    public async Task<StreamPositions> PositionsAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var conversations = (await connection.QueryAsync<(Guid Id, long LastSeq)>(new CommandDefinition(
            """
            SELECT c.id, c.last_seq FROM participants p JOIN conversations c ON c.id = p.conversation_id
            WHERE p.user_id = @userId AND p.left_at IS NULL AND c.deleted_at IS NULL
            """,
            new { userId },
            cancellationToken: cancellationToken))).ToDictionary(r => r.Id, r => r.LastSeq);
        var userSeq = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT last_event_seq FROM users WHERE id = @userId", new { userId }, cancellationToken: cancellationToken));
        return new StreamPositions(conversations, userSeq);
    }

    /// <summary>
    /// Events after <paramref name="afterSeq"/> in seq order, at most <paramref name="limit"/>; null when the user is not
    /// a member. Of a deleted group its members read the deletion event only (the last), so a follower learns of it and
    /// nobody pages the rest any more.
    /// </summary>
    public async Task<IReadOnlyList<ConversationEvent>?> ReadAsync(Guid userId, Guid conversationId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        const string Member = "SELECT 1 FROM participants WHERE conversation_id = @conversationId AND user_id = @userId AND left_at IS NULL";
        const string Visible = "SELECT 1 FROM conversations c WHERE c.id = @conversationId AND (c.deleted_at IS NULL OR e.seq = c.last_seq)";
        await using var connection = await database.OpenConnectionAsync(cancellationToken);

        // Membership rides along with the read; only an empty page needs a second look to tell "nothing new" from "not a member".
        var events = (await connection.QueryAsync<ConversationEvent, MessageView?, ConversationEvent>(
            new CommandDefinition(
                $"""
                SELECT {EventColumns}
                FROM conversation_events e LEFT JOIN messages m ON m.id = e.message_id
                WHERE e.conversation_id = @conversationId AND e.seq > @afterSeq AND EXISTS ({Member}) AND EXISTS ({Visible})
                ORDER BY e.seq
                LIMIT @limit
                """,
                new { conversationId, userId, afterSeq, limit = Math.Clamp(limit, 1, MaxPage) },
                cancellationToken: cancellationToken),
            (e, m) => m is null || m.Id == Guid.Empty ? e : e with { Message = m },
            splitOn: "id")).ToList();
        if (events.Count == 0 && await connection.ExecuteScalarAsync<long?>(new CommandDefinition(
                Member, new { conversationId, userId }, cancellationToken: cancellationToken)) is null)
        {
            return null;
        }

        return await WithMessageDetailsAsync(connection, events, cancellationToken);
    }

    /// <summary>The reactions and attachments of every message the events carry, read for the whole page at once.</summary>
    private static async Task<IReadOnlyList<ConversationEvent>> WithMessageDetailsAsync(
        System.Data.Common.DbConnection connection, List<ConversationEvent> events, CancellationToken cancellationToken)
    {
        var carried = events.Where(e => e.Message is not null).Select(e => e.Message!).DistinctBy(m => m.Id).ToList();
        if (carried.Count == 0)
        {
            return events;
        }

        var detailed = (await MessageDetails.AddAsync(connection, null, carried, cancellationToken)).ToDictionary(m => m.Id);
        return events.Select(e => e.Message is { } m ? e with { Message = detailed[m.Id] } : e).ToList();
    }

    /// <summary>
    /// The same as <see cref="ReadAsync"/> for the REST edge: a non-member, or anyone once the group is deleted, gets a
    /// 404; the page stops at <paramref name="limit"/> events or <see cref="MaxPageBytes"/>, and says whether more follows.
    /// </summary>
    public async Task<(IReadOnlyList<ConversationEvent> Items, bool HasMore)> PageAsync(Guid userId, Guid conversationId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxPage)
        {
            throw ChatException.Invalid("limit", $"must be 1 to {MaxPage}");
        }

        if (afterSeq < 0)
        {
            throw ChatException.Invalid("after", "must not be negative");
        }

        if (await IsDeletedAsync(conversationId, cancellationToken))
        {
            throw Membership.NotFound();
        }

        var rows = await ReadAsync(userId, conversationId, afterSeq, limit + 1, cancellationToken) ?? throw Membership.NotFound();
        var page = new List<ConversationEvent>();
        long bytes = 0;
        foreach (var row in rows.Take(limit))
        {
            bytes += Size(row);
            if (page.Count > 0 && bytes > MaxPageBytes)
            {
                break;
            }

            page.Add(row);
        }

        return (page, rows.Count > page.Count);
    }

    /// <summary>What an event weighs in a page: its payload and its message's content, plus the fields around them.</summary>
    private static long Size(ConversationEvent e) =>
        256 + e.Payload.Length + (e.Message?.Body?.Length ?? 0) + (e.Message?.Ciphertext?.Length * 4 / 3 ?? 0)
        + (e.Message?.Reactions.Sum(r => 32 + (40 * r.UserIds.Count)) ?? 0) + (e.Message?.Attachments.Sum(a => 160 + a.FileName.Length) ?? 0);

    private async Task<bool> IsDeletedAsync(Guid conversationId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM conversations WHERE id = @conversationId AND deleted_at IS NOT NULL",
            new { conversationId },
            cancellationToken: cancellationToken)) > 0;
    }

    public async Task<IReadOnlyList<UserEvent>> ReadUserAsync(Guid userId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<UserEvent>(new CommandDefinition(
            """
            SELECT seq AS Seq, kind AS Kind, payload AS Payload, created_at AS CreatedAt FROM user_events
            WHERE user_id = @userId AND seq > @afterSeq ORDER BY seq LIMIT @limit
            """,
            new { userId, afterSeq, limit = Math.Clamp(limit, 1, MaxPage) },
            cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>Of the session families given, those still live (not revoked, user neither disabled nor erased).</summary>
    public async Task<IReadOnlySet<Guid>> LiveSessionsAsync(IReadOnlyCollection<Guid> families, CancellationToken cancellationToken)
    {
        if (families.Count == 0)
        {
            return new HashSet<Guid>();
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var live = new HashSet<Guid>();
        foreach (var chunk in families.Chunk(500))
        {
            // One named parameter per id: Dapper's own list expansion bypasses the Guid type handlers.
            var parameters = new DynamicParameters(new { now = clock.Now() });
            var names = new List<string>();
            foreach (var (family, index) in chunk.Select((f, i) => (f, i)))
            {
                parameters.Add($"f{index}", family);
                names.Add($"@f{index}");
            }

            live.UnionWith(await connection.QueryAsync<Guid>(new CommandDefinition(
                $"""
                SELECT DISTINCT s.family_id FROM auth_sessions s JOIN users u ON u.id = s.user_id
                WHERE s.family_id IN ({string.Join(", ", names)}) AND s.revoked_at IS NULL AND s.expires_at > @now
                  AND u.disabled_at IS NULL AND u.erased_at IS NULL
                """,
                parameters,
                cancellationToken: cancellationToken)));
        }

        return live;
    }

    /// <summary>Who sees a user's presence: accepted contacts and everyone sharing a live conversation.</summary>
    public async Task<IReadOnlyList<Guid>> AudienceAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Guid>(new CommandDefinition(
            """
            SELECT p2.user_id FROM participants p1
            JOIN participants p2 ON p2.conversation_id = p1.conversation_id AND p2.left_at IS NULL
            JOIN conversations c ON c.id = p1.conversation_id AND c.deleted_at IS NULL
            WHERE p1.user_id = @userId AND p1.left_at IS NULL AND p2.user_id <> @userId
            UNION
            SELECT CASE WHEN user_low = @userId THEN user_high ELSE user_low END FROM contacts
            WHERE (user_low = @userId OR user_high = @userId) AND status = 'accepted'
            """,
            new { userId },
            cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>Everyone with a block between them and the user, whichever of the two blocked: they see neither typing nor presence of each other.</summary>
    public async Task<IReadOnlySet<Guid>> BlockedWithAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Guid>(new CommandDefinition(
            """
            SELECT CASE WHEN user_low = @userId THEN user_high ELSE user_low END FROM contacts
            WHERE (user_low = @userId OR user_high = @userId) AND status = 'blocked'
            """,
            new { userId },
            cancellationToken: cancellationToken))).ToHashSet();
    }

    /// <summary>True when the user is a current member of a live conversation.</summary>
    public async Task<bool> IsMemberAsync(Guid userId, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        try
        {
            await Membership.RequireAsync(connection, null, conversationId, userId, cancellationToken);
            return true;
        }
        catch (ChatException ex) when (ex.Kind == ChatErrorKind.NotFound)
        {
            return false;
        }
    }

    /// <summary>Stores a user's presence as the nodes see it; going offline stamps last_seen_at.</summary>
    public async Task RecordPresenceAsync(Guid userId, string presence, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await database.WriteAsync(
            (connection, transaction) => connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE users SET presence = @presence, last_seen_at = @now WHERE id = @userId AND erased_at IS NULL
                """,
                new { userId, presence, now },
                transaction,
                cancellationToken: cancellationToken)),
            cancellationToken);
    }
}
