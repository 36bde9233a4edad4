using System.Globalization;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Audit;

public sealed record AuditEntry
{
    public long Id { get; init; }

    public Guid? ActorId { get; init; }

    public string Action { get; init; } = string.Empty;

    public string? TargetType { get; init; }

    public string? TargetId { get; init; }

    public string? IpAddress { get; init; }

    public string? UserAgent { get; init; }

    public string Severity { get; init; } = "info";

    public JsonText Details { get; init; } = JsonText.EmptyObject;

    public DateTime CreatedAt { get; init; }
}

public sealed record AuditFilter(Guid? ActorId = null, string? Action = null, string? Severity = null, DateTime? Since = null, DateTime? Until = null);

public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, string? NextCursor);

/// <summary>Reading the audit log, newest first: a user's own events, or everything for administrators.</summary>
public sealed class AuditStore(ConfabDatabase database)
{
    /// <summary>
    /// Events the user did, or that were done to their account. The throttle's claims (<c>login.attempted</c>) are
    /// bookkeeping, not events: each is followed by the login's outcome.
    /// </summary>
    public Task<AuditPage> MineAsync(Guid userId, string? cursor, int limit, CancellationToken cancellationToken) =>
        QueryAsync("(actor_id = @userId OR (target_type = 'user' AND target_id = @userIdText)) AND action <> 'login.attempted'",
            new AuditFilter(), userId, cursor, limit, cancellationToken);

    public Task<AuditPage> ListAsync(AuditFilter filter, string? cursor, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.Severity is not (null or "info" or "notice" or "warning" or "critical"))
        {
            throw ChatException.Invalid("severity", "must be info, notice, warning or critical");
        }

        return QueryAsync("1 = 1", filter, Guid.Empty, cursor, limit, cancellationToken);
    }

    private async Task<AuditPage> QueryAsync(string scope, AuditFilter filter, Guid userId, string? cursor, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 500)
        {
            throw ChatException.Invalid("limit", "must be between 1 and 500");
        }

        long before = long.MaxValue;
        if (cursor is not null && !long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out before))
        {
            throw ChatException.Invalid("cursor", "is not a cursor this server gave out");
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<AuditEntry>(new CommandDefinition(
            $"""
            SELECT id, actor_id, action, target_type, target_id, ip_address, user_agent, severity, details, created_at
            FROM audit_log
            WHERE {scope} AND id < @before
              AND (NOT @byActor OR actor_id = @actorId) AND (NOT @byAction OR action = @action) AND (NOT @bySeverity OR severity = @severity)
              AND (NOT @bySince OR created_at >= @since) AND (NOT @byUntil OR created_at < @until)
            ORDER BY id DESC
            LIMIT @take
            """,
            new
            {
                userId,
                userIdText = userId.ToString(),
                before,
                byActor = filter.ActorId is not null,
                actorId = filter.ActorId ?? Guid.Empty,
                byAction = filter.Action is not null,
                action = filter.Action ?? string.Empty,
                bySeverity = filter.Severity is not null,
                severity = filter.Severity ?? string.Empty,
                bySince = filter.Since is not null,
                since = filter.Since ?? DateTime.UnixEpoch,
                byUntil = filter.Until is not null,
                until = filter.Until ?? DateTime.UnixEpoch,
                take = limit + 1,
            },
            cancellationToken: cancellationToken))).ToList();
        var page = rows.Take(limit).ToList();
        return new AuditPage(page, rows.Count > limit ? page[^1].Id.ToString(CultureInfo.InvariantCulture) : null);
    }
}
