using System.Data.Common;
using Confab.Chat.Audit;
using Confab.Chat.Ids;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Sessions;

/// <summary>
/// Login sessions. A session is a family of token pairs: each refresh issues a new pair in the family and marks
/// the old one rotated. Presenting a rotated refresh token again means it leaked: the whole family is revoked.
/// </summary>
public sealed class SessionStore(ConfabDatabase database, SessionPolicy policy, TimeProvider clock)
{
    // Mixed into the user id so this lock's keys stay apart from the other advisory locks' constants.
    private const long UserSessionsLockSalt = 0x636F_6E66_6162_0100;

    /// <summary>Issues a new pair, inside the caller's transaction; a null family starts a new session.</summary>
    public async Task<TokenPair> IssueAsync(
        DbConnection connection, DbTransaction transaction, Guid userId, Guid? familyId, ClientInfo client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var now = clock.Now();
        var access = SessionTokens.New(SessionTokens.AccessPrefix);
        var refresh = SessionTokens.New(SessionTokens.RefreshPrefix);
        var rowId = Uuid7.NewId(now);
        var family = familyId ?? rowId;
        var pair = new TokenPair(family, access, refresh, now + policy.AccessTokenLifetime, now + policy.RefreshTokenLifetime);
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO auth_sessions (id, user_id, family_id, access_token_hash, refresh_token_hash, device_name, user_agent, ip_address,
                                       created_at, last_used_at, access_expires_at, expires_at)
            VALUES (@rowId, @userId, @family, @accessHash, @refreshHash, @device, @agent, @ip, @now, @now, @accessExpires, @refreshExpires)
            """,
            new
            {
                rowId,
                userId,
                family,
                accessHash = SessionTokens.Hash(access),
                refreshHash = SessionTokens.Hash(refresh),
                device = client.Device,
                agent = client.Agent,
                ip = client.Ip,
                now,
                accessExpires = pair.AccessExpiresAt,
                refreshExpires = pair.RefreshExpiresAt,
            },
            transaction,
            cancellationToken: cancellationToken));
        return pair;
    }

    /// <summary>The session an access token belongs to, or null when it is unknown, expired, rotated or revoked, or its user cannot log in.</summary>
    public async Task<AuthenticatedSession?> AuthenticateAsync(string accessToken, CancellationToken cancellationToken)
    {
        if (!accessToken.StartsWith(SessionTokens.AccessPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var now = clock.Now();
        AuthenticatedSession? session;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        {
            session = await connection.QuerySingleOrDefaultAsync<AuthenticatedSession>(new CommandDefinition(
                """
                SELECT s.id AS RowId, s.family_id AS SessionId, s.user_id AS UserId, u.username AS Username, u.is_admin AS IsAdmin,
                       s.last_used_at AS LastUsedAt
                FROM auth_sessions s JOIN users u ON u.id = s.user_id
                WHERE s.access_token_hash = @hash AND s.revoked_at IS NULL AND s.rotated_at IS NULL AND s.access_expires_at > @now
                  AND u.disabled_at IS NULL AND u.erased_at IS NULL
                """,
                new { hash = SessionTokens.Hash(accessToken), now },
                cancellationToken: cancellationToken));
        }

        // Last use is shown in the session list; a minute's precision spares a write on every request.
        if (session is not null && now - session.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            await database.WriteAsync(
                (connection, transaction) => connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE auth_sessions SET last_used_at = @now WHERE id = @RowId", new { now, session.RowId }, transaction, cancellationToken: cancellationToken)),
                cancellationToken);
        }

        return session;
    }

    /// <summary>
    /// Serialises changes to one user's sessions until the end of the transaction. Refresh, logout, revocation,
    /// password change, disabling and deletion all take it before they read, so a refresh either finishes before a
    /// revocation (whose update then ends the new pair too) or sees the revocation and issues nothing. Take it before
    /// any row lock on the user, in the same order everywhere.
    /// </summary>
    public static Task LockUserSessionsAsync(DbConnection connection, DbTransaction transaction, Guid userId, CancellationToken cancellationToken)
    {
        Span<byte> bytes = stackalloc byte[16];
        userId.TryWriteBytes(bytes);
        var key = BitConverter.ToInt64(bytes[..8]) ^ BitConverter.ToInt64(bytes[8..]) ^ UserSessionsLockSalt;
        return WriteLocks.TakeAsync(connection, transaction, key, cancellationToken);
    }

    /// <summary>Exchanges a refresh token for a new pair in the same session.</summary>
    public async Task<TokenPair> RefreshAsync(string refreshToken, ClientInfo client, CancellationToken cancellationToken)
    {
        var hash = SessionTokens.Hash(refreshToken);
        var outcome = await database.WriteAsync(
            async (connection, transaction) =>
            {
                var owner = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
                    "SELECT user_id FROM auth_sessions WHERE refresh_token_hash = @hash", new { hash }, transaction, cancellationToken: cancellationToken));
                if (owner is not { } userId)
                {
                    return new RefreshOutcome(null, false);
                }

                // Read again under the lock: a revocation that committed while we waited is seen now.
                await LockUserSessionsAsync(connection, transaction, userId, cancellationToken);
                var row = await connection.QuerySingleOrDefaultAsync<RefreshRow>(new CommandDefinition(
                    """
                    SELECT s.id AS Id, s.user_id AS UserId, s.family_id AS FamilyId, s.expires_at AS ExpiresAt,
                           s.rotated_at AS RotatedAt, s.revoked_at AS RevokedAt, u.disabled_at AS DisabledAt, u.erased_at AS ErasedAt
                    FROM auth_sessions s JOIN users u ON u.id = s.user_id
                    WHERE s.refresh_token_hash = @hash
                    """,
                    new { hash },
                    transaction,
                    cancellationToken: cancellationToken));
                if (row is null || row.RevokedAt is not null || row.DisabledAt is not null || row.ErasedAt is not null || row.ExpiresAt <= clock.Now())
                {
                    return new RefreshOutcome(null, false);
                }

                var claimed = await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE auth_sessions SET rotated_at = @now WHERE id = @Id AND rotated_at IS NULL AND revoked_at IS NULL",
                    new { row.Id, now = clock.Now() },
                    transaction,
                    cancellationToken: cancellationToken));
                if (claimed == 0)
                {
                    await RevokeFamilyAsync(connection, transaction, row.UserId, row.FamilyId, "refresh_reuse", cancellationToken);
                    await AuditLog.RecordAsync(connection, transaction, row.UserId, "session.refresh_reused", client, AuditSeverity.Critical,
                        "session", row.FamilyId.ToString(), cancellationToken: cancellationToken);
                    return new RefreshOutcome(null, true);
                }

                return new RefreshOutcome(await IssueAsync(connection, transaction, row.UserId, row.FamilyId, client, cancellationToken), false);
            },
            cancellationToken);

        return outcome.Pair ?? throw (outcome.Reused
            ? new ChatException(ChatErrorKind.Unauthorized, "refresh_token_reused", "This refresh token was already used; the session has been ended for safety.")
            : new ChatException(ChatErrorKind.Unauthorized, "invalid_refresh_token", "The refresh token is unknown, expired or revoked."));
    }

    /// <summary>Ends a whole session (every pair of its family) of <paramref name="userId"/>.</summary>
    public async Task<int> RevokeFamilyAsync(DbConnection connection, DbTransaction transaction, Guid userId, Guid familyId, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await LockUserSessionsAsync(connection, transaction, userId, cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE auth_sessions SET revoked_at = @now, revoked_reason = @reason WHERE family_id = @familyId AND user_id = @userId AND revoked_at IS NULL",
            new { userId, familyId, reason, now = clock.Now() },
            transaction,
            cancellationToken: cancellationToken));
    }

    /// <summary>Ends every session of a user except, optionally, one.</summary>
    public async Task<int> RevokeAllAsync(
        DbConnection connection, DbTransaction transaction, Guid userId, Guid? exceptFamily, string reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await LockUserSessionsAsync(connection, transaction, userId, cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE auth_sessions SET revoked_at = @now, revoked_reason = @reason
            WHERE user_id = @userId AND revoked_at IS NULL AND (NOT @keepOne OR family_id <> @exceptFamily)
            """,
            new { userId, keepOne = exceptFamily is not null, exceptFamily = exceptFamily ?? Guid.Empty, reason, now = clock.Now() },
            transaction,
            cancellationToken: cancellationToken));
    }

    /// <summary>The user's live sessions, newest first, the caller's own marked current.</summary>
    public async Task<IReadOnlyList<SessionInfo>> ListAsync(Guid userId, Guid currentSession, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<SessionInfo>(new CommandDefinition(
            """
            SELECT s.family_id AS Id, s.device_name AS DeviceName, s.user_agent AS UserAgent, s.ip_address AS IpAddress,
                   (SELECT min(f.created_at) FROM auth_sessions f WHERE f.family_id = s.family_id) AS CreatedAt,
                   s.last_used_at AS LastUsedAt, s.expires_at AS ExpiresAt
            FROM auth_sessions s
            WHERE s.user_id = @userId AND s.revoked_at IS NULL AND s.rotated_at IS NULL AND s.expires_at > @now
            ORDER BY s.created_at DESC, s.id DESC
            """,
            new { userId, now = clock.Now() },
            cancellationToken: cancellationToken));
        return rows.Select(r => r with { Current = r.Id == currentSession }).ToList();
    }

    /// <summary>Ends one of the user's sessions; someone else's session is "not found".</summary>
    public async Task RevokeAsync(Guid userId, Guid sessionId, string reason, ClientInfo client, CancellationToken cancellationToken)
    {
        var revoked = await database.WriteAsync(
            async (connection, transaction) =>
            {
                await LockUserSessionsAsync(connection, transaction, userId, cancellationToken);
                var owner = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT count(*) FROM auth_sessions WHERE family_id = @sessionId AND user_id = @userId AND revoked_at IS NULL",
                    new { sessionId, userId },
                    transaction,
                    cancellationToken: cancellationToken));
                if (owner == 0)
                {
                    return false;
                }

                await RevokeFamilyAsync(connection, transaction, userId, sessionId, reason, cancellationToken);
                await AuditLog.RecordAsync(connection, transaction, userId, reason == "logout" ? "session.logout" : "session.revoked", client,
                    AuditSeverity.Notice, "session", sessionId.ToString(), cancellationToken: cancellationToken);
                return true;
            },
            cancellationToken);
        if (!revoked)
        {
            throw new ChatException(ChatErrorKind.NotFound, "session_not_found", "There is no such session.");
        }
    }

    private sealed record RefreshOutcome(TokenPair? Pair, bool Reused);

    private sealed record RefreshRow
    {
        public Guid Id { get; init; }

        public Guid UserId { get; init; }

        public Guid FamilyId { get; init; }

        public DateTime ExpiresAt { get; init; }

        public DateTime? RotatedAt { get; init; }

        public DateTime? RevokedAt { get; init; }

        public DateTime? DisabledAt { get; init; }

        public DateTime? ErasedAt { get; init; }
    }
}
