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

/// <summary>Messages sent on one UTC day (<c>YYYY-MM-DD</c>).</summary>
public sealed record DailyCount(string Day, long Count);

/// <summary>
/// Figures for administrators, each cheap on a large database: the message total comes from the per-conversation
/// counters the unread counts use (one row per conversation, not per message), the recent ones from an index range on
/// <c>messages.created_at</c>.
/// </summary>
public sealed class ServerStatistics(ConfabDatabase database, TimeProvider clock)
{
    public const int MaxDays = 365;

    /// <summary>The UTC day of a message as <c>YYYY-MM-DD</c>; SQLite stores instants as UTC text that starts with it.</summary>
    private string DayOf => database.Engine == DatabaseEngine.Postgres
        ? "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        : "substr(created_at, 1, 10)";

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

    /// <summary>
    /// Messages sent on each of the last <paramref name="days"/> UTC days, today included, oldest first; a day without
    /// any is there with 0. One index range over the period, grouped by day.
    /// </summary>
    public async Task<IReadOnlyList<DailyCount>> MessagesPerDayAsync(int days, CancellationToken cancellationToken)
    {
        if (days is < 1 or > MaxDays)
        {
            throw ChatException.Invalid("days", $"must be 1 to {MaxDays}");
        }

        var first = clock.Now().Date.AddDays(-(days - 1));
        var end = first.AddDays(days);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var counted = (await connection.QueryAsync<(string Day, long Count)>(new CommandDefinition(
            $"SELECT {DayOf} AS Day, count(*) AS Count FROM messages WHERE created_at >= @first AND created_at < @end GROUP BY {DayOf}",
            new { first, end },
            cancellationToken: cancellationToken))).ToDictionary(r => r.Day, r => r.Count, StringComparer.Ordinal);
        return Enumerable.Range(0, days)
            .Select(i => first.AddDays(i).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture))
            .Select(day => new DailyCount(day, counted.GetValueOrDefault(day)))
            .ToList();
    }
}
