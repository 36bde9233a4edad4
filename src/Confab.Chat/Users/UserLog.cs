using System.Data.Common;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Users;

/// <summary>
/// Appends a user-scoped change (a contact request, joining a conversation, a revoked session) to the user's own
/// event stream under the next per-user seq, so a reconnecting client can resume it like a conversation.
/// </summary>
internal static class UserLog
{
    public static async Task<long> AppendAsync(
        DbConnection connection, DbTransaction transaction, Guid userId, string kind, string payloadJson, DateTime now, CancellationToken cancellationToken)
    {
        var seq = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "UPDATE users SET last_event_seq = last_event_seq + 1 WHERE id = @userId RETURNING last_event_seq",
            new { userId },
            transaction,
            cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO user_events (user_id, seq, kind, payload, created_at) VALUES (@userId, @seq, @kind, @payload, @now)",
            new { userId, seq, kind, payload = new JsonText(payloadJson), now },
            transaction,
            cancellationToken: cancellationToken));
        return seq;
    }
}
