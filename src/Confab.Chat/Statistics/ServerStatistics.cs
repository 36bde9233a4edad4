using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Statistics;

/// <summary>How much the server holds, and how many messages arrived lately.</summary>
public sealed record ServerTotals
{
    /// <summary>Accounts that exist (disabled ones included, erased ones not).</summary>
    public long Users { get; init; }

    /// <summary>Conversations that exist (deleted groups not).</summary>
    public long Conversations { get; init; }

    /// <summary>Messages stored, tombstones included.</summary>
    public long Messages { get; init; }

    public long MessagesLastMinute { get; init; }

    public long MessagesLastHour { get; init; }
}

/// <summary>
/// Figures for administrators, each cheap on a large database: the message total comes from the per-conversation
/// counters the unread counts use (one row per conversation, not per message), the recent ones from an index range on
/// <c>messages.created_at</c>.
/// </summary>
public sealed class ServerStatistics(ConfabDatabase database, TimeProvider clock)
{
    public async Task<ServerTotals> TotalsAsync(CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleAsync<ServerTotals>(new CommandDefinition(
            """
            SELECT (SELECT count(*) FROM users WHERE erased_at IS NULL) AS Users,
                   (SELECT count(*) FROM conversations WHERE deleted_at IS NULL) AS Conversations,
                   (SELECT coalesce(sum(message_count), 0) FROM conversations) AS Messages,
                   (SELECT count(*) FROM messages WHERE created_at >= @minuteAgo) AS MessagesLastMinute,
                   (SELECT count(*) FROM messages WHERE created_at >= @hourAgo) AS MessagesLastHour
            """,
            new { minuteAgo = now.AddMinutes(-1), hourAgo = now.AddHours(-1) },
            cancellationToken: cancellationToken));
    }
}
