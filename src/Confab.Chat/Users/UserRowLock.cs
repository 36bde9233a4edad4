using System.Data.Common;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Users;

/// <summary>
/// Makes account deletion and the writes of that account exclude each other on PostgreSQL. Deletion takes the user's
/// row exclusively at its start; a send takes it shared (KEY SHARE, which the foreign keys take anyway, so sends of one
/// user never wait for each other) before anything else, and re-reads the account under it. A send either commits
/// before the deletion reads the account's messages, and is tombstoned with them, or finds the account erased.
/// The user row is always taken before a conversation row, so the two orders cannot deadlock. SQLite's one writer
/// already runs the two one after the other.
/// </summary>
internal static class UserRowLock
{
    /// <summary>True while the user exists and is not erased; on PostgreSQL the row stays KEY SHARE-locked to the end.</summary>
    public static async Task<bool> ShareLiveAsync(
        DbConnection connection, DbTransaction transaction, DatabaseEngine engine, Guid userId, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            engine == DatabaseEngine.Postgres
                ? "SELECT id FROM users WHERE id = @userId AND erased_at IS NULL FOR KEY SHARE"
                : "SELECT id FROM users WHERE id = @userId AND erased_at IS NULL",
            new { userId },
            transaction,
            cancellationToken: cancellationToken)) is not null;

    /// <summary>Takes the user's row exclusively for the rest of the transaction (PostgreSQL; nothing on SQLite).</summary>
    public static async Task TakeExclusiveAsync(
        DbConnection connection, DbTransaction transaction, DatabaseEngine engine, Guid userId, CancellationToken cancellationToken)
    {
        if (engine == DatabaseEngine.Postgres)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT id FROM users WHERE id = @userId FOR UPDATE", new { userId }, transaction, cancellationToken: cancellationToken));
        }
    }
}
