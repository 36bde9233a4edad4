using System.Data.Common;
using Confab.Chat.Audit;
using Confab.Chat.Sessions;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Accounts;

/// <summary>What administrators do to accounts; every action is audited.</summary>
public sealed class AdminStore(ConfabDatabase database, SessionStore sessions, TimeProvider clock)
{
    public const int MaxQueryLength = 100;

    /// <summary>The code of the refusal to leave the server without an enabled administrator.</summary>
    public const string LastAdminCode = "last_admin";

    private const string PromotedAction = "user.promoted";
    private const string DemotedAction = "user.demoted";

    // Serialises changes to who administers (PostgreSQL; SQLite's one writer does it already), so two administrators
    // demoting or disabling each other at once cannot both find the other still there.
    private const long AdministratorsLock = 0x636F_6E66_6162_0003;

    /// <summary>
    /// Accounts in id order, a page at a time; with <paramref name="query"/>, only those whose username, e-mail address
    /// or display name contains it, without regard to case. The cursor is the last id, so it pages a filtered list too.
    /// </summary>
    public async Task<(IReadOnlyList<UserAccount> Items, string? NextCursor)> UsersAsync(string? query, string? cursor, int limit, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 500)
        {
            throw ChatException.Invalid("limit", "must be between 1 and 500");
        }

        TextRules.Require(query, "query");
        if (query is { Length: > MaxQueryLength })
        {
            throw ChatException.Invalid("query", $"must be at most {MaxQueryLength} characters");
        }

        Guid after = Guid.Empty;
        if (cursor is not null && !Guid.TryParse(cursor, out after))
        {
            throw ChatException.Invalid("cursor", "is not a cursor this server gave out");
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var filter = string.IsNullOrWhiteSpace(query)
            ? string.Empty
            : " AND (lower(username) LIKE @pattern ESCAPE '\\' OR lower(email) LIKE @pattern ESCAPE '\\' OR lower(display_name) LIKE @pattern ESCAPE '\\')";
        var rows = (await connection.QueryAsync<UserAccount>(new CommandDefinition(
            $"SELECT {UserAccount.Columns} FROM users WHERE erased_at IS NULL AND id > @after{filter} ORDER BY id LIMIT @take",
            new { after, take = limit + 1, pattern = ContainsPattern(query) },
            cancellationToken: cancellationToken))).ToList();
        var page = rows.Take(limit).ToList();
        return (page, rows.Count > limit ? page[^1].Id.ToString() : null);
    }

    /// <summary>A LIKE pattern for "contains", its wildcards and escape character taken literally.</summary>
    private static string ContainsPattern(string? query) =>
        "%" + (query ?? string.Empty).Trim().ToLowerInvariant()
            .Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("%", "\\%", StringComparison.Ordinal)
            .Replace("_", "\\_", StringComparison.Ordinal) + "%";

    /// <summary>Disables an account and ends all its sessions at once; it can no longer log in.</summary>
    public Task SetDisabledAsync(Guid admin, Guid userId, bool disabled, ClientInfo client, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                if (admin == userId && disabled)
                {
                    throw ChatException.Invalid("userId", "you cannot disable your own account");
                }

                if (disabled)
                {
                    await WriteLocks.TakeAsync(connection, transaction, AdministratorsLock, cancellationToken);
                    await KeepAnAdministratorAsync(connection, transaction, userId, cancellationToken);
                }

                // Before the row lock the update takes: the order every session change uses.
                await SessionStore.LockUserSessionsAsync(connection, transaction, userId, cancellationToken);
                var changed = await connection.ExecuteAsync(new CommandDefinition(
                    disabled
                        ? "UPDATE users SET disabled_at = @now WHERE id = @userId AND erased_at IS NULL AND disabled_at IS NULL"
                        : "UPDATE users SET disabled_at = NULL WHERE id = @userId AND erased_at IS NULL AND disabled_at IS NOT NULL",
                    new { userId, now = clock.Now() },
                    transaction,
                    cancellationToken: cancellationToken));
                var exists = changed > 0 || await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT count(*) FROM users WHERE id = @userId AND erased_at IS NULL", new { userId }, transaction, cancellationToken: cancellationToken)) > 0;
                if (!exists)
                {
                    throw new ChatException(ChatErrorKind.NotFound, "user_not_found", "There is no such user.");
                }

                if (changed > 0)
                {
                    if (disabled)
                    {
                        await sessions.RevokeAllAsync(connection, transaction, userId, null, "user_disabled", cancellationToken);
                    }

                    await AuditLog.RecordAsync(connection, transaction, admin, disabled ? "user.disabled" : "user.enabled", client, AuditSeverity.Warning,
                        "user", userId.ToString(), cancellationToken: cancellationToken);
                }

                return changed;
            },
            cancellationToken);

    /// <summary>Makes a user an administrator (from the command line: <c>confab users promote NAME</c>).</summary>
    public async Task<UserAccount> PromoteAsync(string username, CancellationToken cancellationToken) =>
        await database.WriteAsync(
            async (connection, transaction) =>
            {
                var user = await connection.QuerySingleOrDefaultAsync<UserAccount>(new CommandDefinition(
                    $"SELECT {UserAccount.Columns} FROM users WHERE lower(username) = lower(@username) AND erased_at IS NULL",
                    new { username },
                    transaction,
                    cancellationToken: cancellationToken))
                    ?? throw new ChatException(ChatErrorKind.NotFound, "user_not_found", $"There is no user {username}.");
                if (!user.IsAdmin)
                {
                    await connection.ExecuteAsync(new CommandDefinition(
                        "UPDATE users SET is_admin = TRUE WHERE id = @Id", new { user.Id }, transaction, cancellationToken: cancellationToken));
                    await AuditLog.RecordAsync(connection, transaction, null, PromotedAction, new ClientInfo(null, "confab users promote"), AuditSeverity.Warning,
                        "user", user.Id.ToString(), cancellationToken: cancellationToken);
                }

                return user with { IsAdmin = true };
            },
            cancellationToken);

    /// <summary>
    /// Grants or withdraws administration (audited when it changes anything). The last enabled administrator cannot be
    /// demoted: <c>409 last_admin</c>, so the server is never left without someone who can run it.
    /// </summary>
    public Task SetAdminAsync(Guid admin, Guid userId, bool isAdmin, ClientInfo client, CancellationToken cancellationToken) =>
        database.WriteAsync(
            async (connection, transaction) =>
            {
                await WriteLocks.TakeAsync(connection, transaction, AdministratorsLock, cancellationToken);
                var user = await connection.QuerySingleOrDefaultAsync<UserAccount>(new CommandDefinition(
                    $"SELECT {UserAccount.Columns} FROM users WHERE id = @userId AND erased_at IS NULL",
                    new { userId },
                    transaction,
                    cancellationToken: cancellationToken))
                    ?? throw new ChatException(ChatErrorKind.NotFound, "user_not_found", "There is no such user.");
                if (user.IsAdmin == isAdmin)
                {
                    return 0;
                }

                if (!isAdmin)
                {
                    await KeepAnAdministratorAsync(connection, transaction, userId, cancellationToken);
                }

                await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE users SET is_admin = @isAdmin WHERE id = @userId", new { isAdmin, userId }, transaction, cancellationToken: cancellationToken));
                await AuditLog.RecordAsync(connection, transaction, admin, isAdmin ? PromotedAction : DemotedAction, client, AuditSeverity.Warning,
                    "user", userId.ToString(), cancellationToken: cancellationToken);
                return 1;
            },
            cancellationToken);

    /// <summary>Refuses a change that would take away the last enabled administrator, <paramref name="leaving"/>. Call under <see cref="AdministratorsLock"/>.</summary>
    private static async Task KeepAnAdministratorAsync(DbConnection connection, DbTransaction transaction, Guid leaving, CancellationToken cancellationToken)
    {
        var counts = await connection.QuerySingleAsync<(long Leaving, long Others)>(new CommandDefinition(
            """
            SELECT coalesce(sum(CASE WHEN id = @leaving THEN 1 ELSE 0 END), 0), coalesce(sum(CASE WHEN id <> @leaving THEN 1 ELSE 0 END), 0)
            FROM users WHERE is_admin = TRUE AND disabled_at IS NULL AND erased_at IS NULL
            """,
            new { leaving },
            transaction,
            cancellationToken: cancellationToken));
        if (counts.Leaving > 0 && counts.Others == 0)
        {
            throw new ChatException(ChatErrorKind.Conflict, LastAdminCode, "This is the last enabled administrator; make another one first.");
        }
    }
}
