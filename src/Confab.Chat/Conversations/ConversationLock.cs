using System.Data.Common;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Conversations;

/// <summary>
/// Takes a conversation's row lock at the start of a write, before anything is checked, so that the checks and the
/// change see the same state: a count-then-insert limit (pins, reactions, edit versions) cannot be passed by two
/// writers at once, and a membership or block check cannot be overtaken by a removal or block that commits in
/// between. It is the lock the seq allocation takes, taken earlier. SQLite needs none: its one writer runs one write
/// transaction at a time.
/// </summary>
internal static class ConversationLock
{
    public static async Task TakeAsync(
        DbConnection connection, DbTransaction transaction, DatabaseEngine engine, Guid conversationId, CancellationToken cancellationToken)
    {
        if (engine != DatabaseEngine.Postgres)
        {
            return;
        }

        // NO KEY UPDATE is the lock the seq's UPDATE takes; it does not stop inserts whose foreign keys name the row.
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT id FROM conversations WHERE id = @conversationId FOR NO KEY UPDATE",
            new { conversationId },
            transaction,
            cancellationToken: cancellationToken));
    }

    /// <summary>The row lock, then the caller's membership read under it: a 404 for anyone not a current member.</summary>
    public static async Task<Membership.Member> RequireMemberAsync(
        DbConnection connection, DbTransaction transaction, DatabaseEngine engine, Guid conversationId, Guid userId, CancellationToken cancellationToken)
    {
        await TakeAsync(connection, transaction, engine, conversationId, cancellationToken);
        return await Membership.RequireMemberAsync(connection, transaction, conversationId, userId, cancellationToken);
    }
}
