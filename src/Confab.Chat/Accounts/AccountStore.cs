using System.Data.Common;
using Confab.Chat.Audit;
using Confab.Chat.Ids;
using Confab.Chat.Sessions;
using Confab.Storage;
using Confab.Storage.Engines;
using Dapper;
using Microsoft.AspNetCore.Identity;

namespace Confab.Chat.Accounts;

/// <summary>Accounts: registration, login, profile and password. Every security event is audited in its own transaction.</summary>
public sealed class AccountStore(ConfabDatabase database, SessionStore sessions, LoginThrottle throttle, TimeProvider clock)
{
    // Locks the "first user becomes admin" check against a concurrent first registration.
    private const long FirstUserLock = 0x636F_6E66_6162_0002;

    // Verified when the login names nobody, so that a miss takes as long as a wrong password.
    private static readonly string DecoyHash = PasswordHashing.Hash("decoy password that never matches");

    public async Task<(UserAccount User, TokenPair Tokens)> RegisterAsync(Registration request, ClientInfo client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new Dictionary<string, string[]>();
        AccountRules.Collect(errors, "username", AccountRules.Username(request.Username));
        AccountRules.Collect(errors, "email", AccountRules.Email(request.Email));
        AccountRules.Collect(errors, "password", AccountRules.Password(request.Password, request.Username));
        AccountRules.Collect(errors, "displayName", AccountRules.DisplayName(request.DisplayName));
        if (errors.Count > 0)
        {
            throw ChatException.Invalid(errors);
        }

        var hash = PasswordHashing.Hash(request.Password!);
        try
        {
            return await database.WriteAsync(
                async (connection, transaction) =>
                {
                    await RefuseTakenAsync(connection, transaction, request, cancellationToken);
                    var first = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM users", transaction: transaction, cancellationToken: cancellationToken)) == 0;
                    if (first)
                    {
                        await WriteLocks.TakeAsync(connection, transaction, FirstUserLock, cancellationToken);
                        first = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM users", transaction: transaction, cancellationToken: cancellationToken)) == 0;
                    }

                    var now = clock.Now();
                    var id = Uuid7.NewId(now);
                    await connection.ExecuteAsync(new CommandDefinition(
                        """
                        INSERT INTO users (id, username, email, password_hash, display_name, is_admin, created_at, updated_at)
                        VALUES (@id, @Username, @Email, @hash, @DisplayName, @first, @now, @now)
                        """,
                        new { id, request.Username, request.Email, hash, DisplayName = request.DisplayName!.Trim(), first, now },
                        transaction,
                        cancellationToken: cancellationToken));
                    await AuditLog.RecordAsync(connection, transaction, id, "account.registered", client, first ? AuditSeverity.Notice : AuditSeverity.Info,
                        "user", id.ToString(), first ? new { admin = true } : null, cancellationToken);
                    var tokens = await sessions.IssueAsync(connection, transaction, id, null, client, cancellationToken);
                    return (await GetAsync(connection, transaction, id, cancellationToken), tokens);
                },
                cancellationToken);
        }
        catch (DbException ex) when (StorageErrors.IsUniqueViolation(ex))
        {
            // A concurrent registration won between our check and our insert.
            throw new ChatException(ChatErrorKind.Conflict, "account_exists", "That username or e-mail address was just taken.");
        }
    }

    /// <summary>
    /// Logs in. The password is checked between two short write transactions, never inside one: the first claims the
    /// attempt from the throttle, the second records the outcome and issues the session, after checking that the hash
    /// it verified is still the account's.
    /// </summary>
    public async Task<(UserAccount User, TokenPair Tokens)> LoginAsync(string? login, string? password, ClientInfo client, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(login) || string.IsNullOrEmpty(password))
        {
            var errors = new Dictionary<string, string[]>();
            AccountRules.Collect(errors, "login", string.IsNullOrWhiteSpace(login) ? "is required" : null);
            AccountRules.Collect(errors, "password", string.IsNullOrEmpty(password) ? "is required" : null);
            throw ChatException.Invalid(errors);
        }

        // The login goes into a query; PostgreSQL refuses U+0000 in a parameter outright.
        TextRules.Require(login, "login");
        LoginRow? user;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        {
            user = await connection.QuerySingleOrDefaultAsync<LoginRow>(new CommandDefinition(
                """
                SELECT id AS Id, password_hash AS PasswordHash, disabled_at AS DisabledAt FROM users
                WHERE erased_at IS NULL AND (lower(username) = lower(@login) OR lower(email) = lower(@login))
                """,
                new { login = login.Trim() },
                cancellationToken: cancellationToken));
        }

        if (user is null)
        {
            PasswordHashing.Verify(DecoyHash, password);
            await database.WriteAsync(
                async (connection, transaction) =>
                {
                    await AuditLog.RecordAsync(connection, transaction, null, "login.failed", client, AuditSeverity.Warning,
                        details: new { reason = "unknown_login" }, cancellationToken: cancellationToken);
                    return 0;
                },
                cancellationToken);
            throw InvalidCredentials();
        }

        if (await database.WriteAsync((connection, transaction) => throttle.ClaimAsync(connection, transaction, user.Id, client, cancellationToken), cancellationToken) is { } wait)
        {
            throw new ChatException(ChatErrorKind.RateLimited, "login_locked",
                "Too many failed logins for this account from this address; try again later.") { RetryAfter = wait };
        }

        var verdict = PasswordHashing.Check(user.PasswordHash, password);
        var upgraded = verdict == PasswordVerificationResult.SuccessRehashNeeded ? PasswordHashing.Hash(password) : null;
        var outcome = await database.WriteAsync(
            async (connection, transaction) =>
            {
                await SessionStore.LockUserSessionsAsync(connection, transaction, user.Id, cancellationToken);
                var current = await connection.QuerySingleOrDefaultAsync<LoginRow>(new CommandDefinition(
                    "SELECT id AS Id, password_hash AS PasswordHash, disabled_at AS DisabledAt FROM users WHERE id = @Id AND erased_at IS NULL",
                    new { user.Id },
                    transaction,
                    cancellationToken: cancellationToken));
                if (verdict == PasswordVerificationResult.Failed || current is null || current.PasswordHash != user.PasswordHash)
                {
                    var reason = verdict == PasswordVerificationResult.Failed ? "wrong_password" : "password_changed";
                    await AuditLog.RecordAsync(connection, transaction, user.Id, "login.failed", client, AuditSeverity.Warning,
                        "user", user.Id.ToString(), new { reason }, cancellationToken);
                    return LoginOutcome.Failed;
                }

                if (current.DisabledAt is not null)
                {
                    return LoginOutcome.AccountDisabled;
                }

                if (upgraded is not null)
                {
                    await connection.ExecuteAsync(new CommandDefinition(
                        "UPDATE users SET password_hash = @upgraded WHERE id = @Id AND password_hash = @PasswordHash",
                        new { upgraded, user.Id, user.PasswordHash },
                        transaction,
                        cancellationToken: cancellationToken));
                }

                await AuditLog.RecordAsync(connection, transaction, user.Id, "login.succeeded", client, AuditSeverity.Info, "user", user.Id.ToString(),
                    upgraded is null ? null : new { rehashed = true }, cancellationToken);
                var tokens = await sessions.IssueAsync(connection, transaction, user.Id, null, client, cancellationToken);
                return new LoginOutcome(await GetAsync(connection, transaction, user.Id, cancellationToken), tokens, false);
            },
            cancellationToken);

        return outcome switch
        {
            { User: { } account, Tokens: { } tokens } => (account, tokens),
            { Disabled: true } => throw new ChatException(ChatErrorKind.Forbidden, "account_disabled", "This account is disabled."),
            _ => throw InvalidCredentials(),
        };
    }

    public async Task<UserAccount> GetAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await GetAsync(connection, null, userId, cancellationToken);
    }

    public async Task<UserAccount> UpdateProfileAsync(Guid userId, ProfileChange change, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(change);
        var errors = new Dictionary<string, string[]>();
        if (change.Present.Contains("displayName"))
        {
            AccountRules.Collect(errors, "displayName", AccountRules.DisplayName(change.DisplayName));
        }

        // A server path comes from an upload alone; sent back unchanged (a client saving the whole profile) it is no change.
        var keepsUpload = change.Present.Contains("avatarUrl") && AvatarStore.IsUploaded(change.AvatarUrl);
        if (!keepsUpload)
        {
            AccountRules.Collect(errors, "avatarUrl", AccountRules.AvatarUrl(change.AvatarUrl));
        }

        AccountRules.Collect(errors, "bio", AccountRules.Optional(change.Bio, 500));
        AccountRules.Collect(errors, "statusMessage", AccountRules.Optional(change.StatusMessage, 140));
        if (errors.Count > 0)
        {
            throw ChatException.Invalid(errors);
        }

        return await database.WriteAsync(
            async (connection, transaction) =>
            {
                var current = await GetAsync(connection, transaction, userId, cancellationToken);
                if (keepsUpload && change.AvatarUrl != current.AvatarUrl)
                {
                    throw ChatException.Invalid("avatarUrl", "must be an absolute http(s) URL; a picture of your own is set with PUT /api/v1/me/avatar");
                }

                await connection.ExecuteAsync(new CommandDefinition(
                    """
                    UPDATE users SET display_name = @DisplayName, avatar_url = @AvatarUrl, bio = @Bio, status_message = @StatusMessage
                    WHERE id = @userId
                    """,
                    new
                    {
                        userId,
                        DisplayName = change.Present.Contains("displayName") ? change.DisplayName!.Trim() : current.DisplayName,
                        AvatarUrl = change.Present.Contains("avatarUrl") ? change.AvatarUrl : current.AvatarUrl,
                        Bio = change.Present.Contains("bio") ? change.Bio : current.Bio,
                        StatusMessage = change.Present.Contains("statusMessage") ? change.StatusMessage : current.StatusMessage,
                    },
                    transaction,
                    cancellationToken: cancellationToken));
                return await GetAsync(connection, transaction, userId, cancellationToken);
            },
            cancellationToken);
    }

    /// <summary>
    /// Changes the password and ends every other session of the user. Both hashes are computed outside the write
    /// transaction; the write happens only if the hash that was verified is still the stored one.
    /// </summary>
    public async Task ChangePasswordAsync(AuthenticatedSession caller, string? currentPassword, string? newPassword, ClientInfo client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var errors = new Dictionary<string, string[]>();
        AccountRules.Collect(errors, "currentPassword", string.IsNullOrEmpty(currentPassword) ? "is required" : null);
        AccountRules.Collect(errors, "newPassword", AccountRules.Password(newPassword, caller.Username));
        if (errors.Count > 0)
        {
            throw ChatException.Invalid(errors);
        }

        var hash = await StoredHashAsync(caller.UserId, cancellationToken);
        if (hash is null || !PasswordHashing.Verify(hash, currentPassword!))
        {
            await database.WriteAsync(
                async (connection, transaction) =>
                {
                    await AuditLog.RecordAsync(connection, transaction, caller.UserId, "password.change_failed", client, AuditSeverity.Warning, cancellationToken: cancellationToken);
                    return 0;
                },
                cancellationToken);
            throw new ChatException(ChatErrorKind.Validation, "wrong_password", "The current password is wrong.",
                new Dictionary<string, string[]> { ["currentPassword"] = ["is wrong"] });
        }

        var newHash = PasswordHashing.Hash(newPassword!);
        var changed = await database.WriteAsync(
            async (connection, transaction) =>
            {
                await SessionStore.LockUserSessionsAsync(connection, transaction, caller.UserId, cancellationToken);
                if (await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE users SET password_hash = @newHash WHERE id = @UserId AND password_hash = @hash",
                    new { newHash, caller.UserId, hash },
                    transaction,
                    cancellationToken: cancellationToken)) == 0)
                {
                    return false;
                }

                var ended = await sessions.RevokeAllAsync(connection, transaction, caller.UserId, caller.SessionId, "password_changed", cancellationToken);
                await AuditLog.RecordAsync(connection, transaction, caller.UserId, "password.changed", client, AuditSeverity.Notice,
                    "user", caller.UserId.ToString(), new { sessionsEnded = ended }, cancellationToken);
                return true;
            },
            cancellationToken);
        if (!changed)
        {
            throw new ChatException(ChatErrorKind.Conflict, "password_changed_meanwhile", "The password was changed by another request while this one ran; try again.");
        }
    }

    /// <summary>The stored password hash of a live account, read outside any write transaction.</summary>
    internal async Task<string?> StoredHashAsync(Guid userId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT password_hash FROM users WHERE id = @userId AND erased_at IS NULL", new { userId }, cancellationToken: cancellationToken));
    }

    private static async Task RefuseTakenAsync(DbConnection connection, DbTransaction transaction, Registration request, CancellationToken cancellationToken)
    {
        var taken = await connection.QueryAsync<(string Username, string? Email)>(new CommandDefinition(
            "SELECT username, email FROM users WHERE lower(username) = lower(@Username) OR lower(email) = lower(@Email)",
            new { request.Username, request.Email },
            transaction,
            cancellationToken: cancellationToken));
        foreach (var (username, _) in taken)
        {
            if (string.Equals(username, request.Username, StringComparison.OrdinalIgnoreCase))
            {
                throw new ChatException(ChatErrorKind.Conflict, "username_taken", "That username is taken.",
                    new Dictionary<string, string[]> { ["username"] = ["is taken"] });
            }
        }

        if (taken.Any())
        {
            throw new ChatException(ChatErrorKind.Conflict, "email_taken", "An account with that e-mail address exists.",
                new Dictionary<string, string[]> { ["email"] = ["is taken"] });
        }
    }

    internal static async Task<UserAccount> GetAsync(DbConnection connection, DbTransaction? transaction, Guid userId, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<UserAccount>(new CommandDefinition(
            $"SELECT {UserAccount.Columns} FROM users WHERE id = @userId AND erased_at IS NULL",
            new { userId },
            transaction,
            cancellationToken: cancellationToken))
        ?? throw new ChatException(ChatErrorKind.NotFound, "user_not_found", "There is no such user.");

    private sealed record LoginRow
    {
        public Guid Id { get; init; }

        public string PasswordHash { get; init; } = string.Empty;

        public DateTime? DisabledAt { get; init; }
    }

    private static ChatException InvalidCredentials() =>
        new(ChatErrorKind.Unauthorized, "invalid_credentials", "The login or the password is wrong.");

    private sealed record LoginOutcome(UserAccount? User, TokenPair? Tokens, bool Disabled)
    {
        public static readonly LoginOutcome Failed = new(null, null, false);
        public static readonly LoginOutcome AccountDisabled = new(null, null, true);
    }
}
