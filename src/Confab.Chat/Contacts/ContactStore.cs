using System.Data.Common;
using Confab.Chat.Realtime;
using Confab.Chat.Users;
using Confab.Storage;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Contacts;

/// <summary>A contact relation as one side sees it.</summary>
public sealed record ContactView
{
    public Guid UserId { get; init; }

    public string Username { get; init; } = string.Empty;

    public string DisplayName { get; init; } = string.Empty;

    /// <summary>pending, accepted, declined or blocked.</summary>
    public string Status { get; init; } = string.Empty;

    /// <summary>For a pending request: whether you sent it (outgoing) or received it.</summary>
    public bool Outgoing { get; init; }

    /// <summary>For a block: whether you are the one who blocked.</summary>
    public bool BlockedByMe { get; init; }

    public DateTime UpdatedAt { get; init; }
}

/// <summary>
/// Contacts: one relation per pair of users. Requests are accepted or declined by their recipient; a request to
/// someone who already asked you accepts theirs. A block works both ways and only its author can lift it.
/// </summary>
public sealed class ContactStore(ConfabDatabase database, TimeProvider clock)
{
    public Task<ContactView> RequestAsync(Guid caller, Guid other, CancellationToken cancellationToken) =>
        ChangeAsync(caller, other, async (connection, transaction, current, now) =>
        {
            switch (current)
            {
                case { Status: "blocked" }:
                    throw new ChatException(ChatErrorKind.Forbidden, "blocked", "You cannot add this user.");
                case { Status: "accepted" }:
                    return false;
                case { Status: "pending" } when current.RequestedBy == other:
                    await SetAsync(connection, transaction, caller, other, "accepted", current.RequestedBy, null, now, cancellationToken);
                    await NotifyAsync(connection, transaction, other, UserEventKind.ContactAccepted, caller, now, cancellationToken);
                    return true;
                case { Status: "pending" }:
                    return false;
                default:
                    await SetAsync(connection, transaction, caller, other, "pending", caller, null, now, cancellationToken);
                    await NotifyAsync(connection, transaction, other, UserEventKind.ContactRequested, caller, now, cancellationToken);
                    return true;
            }
        }, cancellationToken);

    public Task<ContactView> AcceptAsync(Guid caller, Guid other, CancellationToken cancellationToken) =>
        AnswerAsync(caller, other, "accepted", UserEventKind.ContactAccepted, cancellationToken);

    public Task<ContactView> DeclineAsync(Guid caller, Guid other, CancellationToken cancellationToken) =>
        AnswerAsync(caller, other, "declined", UserEventKind.ContactDeclined, cancellationToken);

    public Task<ContactView> BlockAsync(Guid caller, Guid other, CancellationToken cancellationToken) =>
        ChangeAsync(caller, other, async (connection, transaction, current, now) =>
        {
            // Already blocked by either side: the existing block stands (its author lifts it).
            if (current is { Status: "blocked" })
            {
                return false;
            }

            // The pair's direct conversation is locked while the block is written, so every send there is either
            // committed before the block or sees it (sends check under the same lock).
            await LockDirectAsync(connection, transaction, caller, other, cancellationToken);

            await SetAsync(connection, transaction, caller, other, "blocked", current?.RequestedBy ?? caller, caller, now, cancellationToken);
            return true;
        }, cancellationToken);

    public async Task UnblockAsync(Guid caller, Guid other, CancellationToken cancellationToken) =>
        await ChangeAsync(caller, other, async (connection, transaction, current, now) =>
        {
            if (current is not { Status: "blocked" } || current.BlockedBy != caller)
            {
                throw new ChatException(ChatErrorKind.NotFound, "block_not_found", "You have not blocked this user.");
            }

            await DeleteAsync(connection, transaction, caller, other, cancellationToken);
            return true;
        }, cancellationToken, returnView: false);

    public async Task RemoveAsync(Guid caller, Guid other, CancellationToken cancellationToken) =>
        await ChangeAsync(caller, other, async (connection, transaction, current, now) =>
        {
            switch (current)
            {
                case null or { Status: "declined" }:
                    throw new ChatException(ChatErrorKind.NotFound, "contact_not_found", "This user is not a contact.");
                case { Status: "blocked" }:
                    throw new ChatException(ChatErrorKind.Conflict, "blocked", "Lift the block to remove this relation.");
                default:
                    await DeleteAsync(connection, transaction, caller, other, cancellationToken);
                    await NotifyAsync(connection, transaction, other, UserEventKind.ContactRemoved, caller, now, cancellationToken);
                    return true;
            }
        }, cancellationToken, returnView: false);

    public async Task<IReadOnlyList<ContactView>> ListAsync(Guid caller, string? status, CancellationToken cancellationToken)
    {
        if (status is not (null or "pending" or "accepted" or "declined" or "blocked"))
        {
            throw ChatException.Invalid("status", "must be pending, accepted, declined or blocked");
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<ContactView>(new CommandDefinition(
            $"""
            SELECT u.id AS UserId, u.username AS Username, u.display_name AS DisplayName, c.status AS Status,
                   CASE WHEN c.requested_by = @caller THEN TRUE ELSE FALSE END AS Outgoing,
                   CASE WHEN c.blocked_by = @caller THEN TRUE ELSE FALSE END AS BlockedByMe, c.updated_at AS UpdatedAt
            FROM contacts c
            JOIN users u ON u.id = CASE WHEN c.user_low = @caller THEN c.user_high ELSE c.user_low END
            WHERE (c.user_low = @caller OR c.user_high = @caller) AND (@status IS NULL OR c.status = @status)
              AND (c.status <> 'blocked' OR c.blocked_by = @caller) AND u.erased_at IS NULL
            ORDER BY u.username
            """,
            new { caller, status },
            cancellationToken: cancellationToken))).ToList();
    }

    private Task<ContactView> AnswerAsync(Guid caller, Guid other, string status, string notification, CancellationToken cancellationToken) =>
        ChangeAsync(caller, other, async (connection, transaction, current, now) =>
        {
            if (current is not { Status: "pending" } || current.RequestedBy == caller)
            {
                throw new ChatException(ChatErrorKind.NotFound, "request_not_found", "There is no contact request from this user.");
            }

            await SetAsync(connection, transaction, caller, other, status, current.RequestedBy, null, now, cancellationToken);
            await NotifyAsync(connection, transaction, other, notification, caller, now, cancellationToken);
            return true;
        }, cancellationToken);

    /// <summary>Runs one change of the pair's relation in a write transaction and returns the relation as the caller sees it.</summary>
    private async Task<ContactView> ChangeAsync(
        Guid caller, Guid other, Func<DbConnection, DbTransaction, Relation?, DateTime, Task<bool>> change, CancellationToken cancellationToken, bool returnView = true)
    {
        if (caller == other)
        {
            throw ChatException.Invalid("userId", "you cannot be your own contact");
        }

        try
        {
            return await database.WriteAsync(
                async (connection, transaction) =>
                {
                    var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                        "SELECT count(*) FROM users WHERE id = @other AND erased_at IS NULL AND disabled_at IS NULL",
                        new { other },
                        transaction,
                        cancellationToken: cancellationToken));
                    if (exists == 0)
                    {
                        throw new ChatException(ChatErrorKind.NotFound, "user_not_found", "There is no such user.");
                    }

                    var (low, high) = UserPair.Order(caller, other);
                    var current = await connection.QuerySingleOrDefaultAsync<Relation>(new CommandDefinition(
                        "SELECT status AS Status, requested_by AS RequestedBy, blocked_by AS BlockedBy FROM contacts WHERE user_low = @low AND user_high = @high",
                        new { low, high },
                        transaction,
                        cancellationToken: cancellationToken));
                    await change(connection, transaction, current, clock.Now());
                    return returnView
                        ? (await ListRelationAsync(connection, transaction, caller, other, cancellationToken))!
                        : new ContactView();
                },
                cancellationToken);
        }
        catch (DbException ex) when (StorageErrors.IsUniqueViolation(ex))
        {
            throw new ChatException(ChatErrorKind.Conflict, "contact_changed", "The relation changed at the same moment; try again.");
        }
    }

    private static async Task<ContactView?> ListRelationAsync(DbConnection connection, DbTransaction transaction, Guid caller, Guid other, CancellationToken cancellationToken)
    {
        var (low, high) = UserPair.Order(caller, other);
        return await connection.QuerySingleOrDefaultAsync<ContactView>(new CommandDefinition(
            """
            SELECT u.id AS UserId, u.username AS Username, u.display_name AS DisplayName, c.status AS Status,
                   CASE WHEN c.requested_by = @caller THEN TRUE ELSE FALSE END AS Outgoing,
                   CASE WHEN c.blocked_by = @caller THEN TRUE ELSE FALSE END AS BlockedByMe, c.updated_at AS UpdatedAt
            FROM contacts c JOIN users u ON u.id = @other
            WHERE c.user_low = @low AND c.user_high = @high
            """,
            new { caller, other, low, high },
            transaction,
            cancellationToken: cancellationToken));
    }

    private static async Task SetAsync(
        DbConnection connection, DbTransaction transaction, Guid caller, Guid other, string status, Guid requestedBy, Guid? blockedBy, DateTime now, CancellationToken cancellationToken)
    {
        var (low, high) = UserPair.Order(caller, other);
        var responded = status is "accepted" or "declined" ? now : (DateTime?)null;
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE contacts SET status = @status, requested_by = @requestedBy, blocked_by = @blockedBy, responded_at = @responded, updated_at = @now
            WHERE user_low = @low AND user_high = @high
            """,
            new { status, requestedBy, blockedBy, responded, now, low, high },
            transaction,
            cancellationToken: cancellationToken));
        if (updated == 0)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO contacts (user_low, user_high, status, requested_by, blocked_by, created_at, updated_at, responded_at)
                VALUES (@low, @high, @status, @requestedBy, @blockedBy, @now, @now, @responded)
                """,
                new { low, high, status, requestedBy, blockedBy, now, responded },
                transaction,
                cancellationToken: cancellationToken));
        }
    }

    private async Task LockDirectAsync(DbConnection connection, DbTransaction transaction, Guid caller, Guid other, CancellationToken cancellationToken)
    {
        var (low, high) = UserPair.Order(caller, other);
        var direct = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            "SELECT id FROM conversations WHERE direct_user_low = @low AND direct_user_high = @high",
            new { low, high },
            transaction,
            cancellationToken: cancellationToken));
        if (direct is { } conversationId)
        {
            await Conversations.ConversationLock.TakeAsync(connection, transaction, database.Engine, conversationId, cancellationToken);
        }
    }

    private static Task DeleteAsync(DbConnection connection, DbTransaction transaction, Guid caller, Guid other, CancellationToken cancellationToken)
    {
        var (low, high) = UserPair.Order(caller, other);
        return connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM contacts WHERE user_low = @low AND user_high = @high", new { low, high }, transaction, cancellationToken: cancellationToken));
    }

    private static Task NotifyAsync(DbConnection connection, DbTransaction transaction, Guid recipient, string kind, Guid from, DateTime now, CancellationToken cancellationToken) =>
        UserLog.AppendAsync(connection, transaction, recipient, kind, EventPayload.Write(new ContactChange(from)), now, cancellationToken);


    private sealed record Relation
    {
        public string Status { get; init; } = string.Empty;

        public Guid RequestedBy { get; init; }

        public Guid? BlockedBy { get; init; }
    }
}
