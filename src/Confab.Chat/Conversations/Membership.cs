using System.Data.Common;
using Dapper;

namespace Confab.Chat.Conversations;

/// <summary>Who may see a conversation: its current members. Everyone else is told it does not exist.</summary>
internal static class Membership
{
    public static ChatException NotFound() =>
        new(ChatErrorKind.NotFound, "conversation_not_found", "There is no such conversation.");

    /// <summary>The caller's role in a live conversation, or a 404 for anyone who is not a current member.</summary>
    public static async Task<string> RequireAsync(
        DbConnection connection, DbTransaction? transaction, Guid conversationId, Guid userId, CancellationToken cancellationToken) =>
        (await RequireMemberAsync(connection, transaction, conversationId, userId, cancellationToken)).Role;

    /// <summary>The caller's role and the conversation's kind, read together; a 404 for anyone who is not a current member.</summary>
    public static async Task<Member> RequireMemberAsync(
        DbConnection connection, DbTransaction? transaction, Guid conversationId, Guid userId, CancellationToken cancellationToken) =>
        await connection.QuerySingleOrDefaultAsync<Member>(new CommandDefinition(
            """
            SELECT p.role AS Role, c.kind AS Kind FROM participants p JOIN conversations c ON c.id = p.conversation_id
            WHERE p.conversation_id = @conversationId AND p.user_id = @userId AND p.left_at IS NULL AND c.deleted_at IS NULL
            """,
            new { conversationId, userId },
            transaction,
            cancellationToken: cancellationToken))
        ?? throw NotFound();

    public sealed record Member
    {
        public string Role { get; init; } = Roles.Member;

        public string Kind { get; init; } = "direct";

        public bool IsGroup => Kind == "group";
    }

    /// <summary>True when either user has blocked the other: a block works both ways.</summary>
    public static async Task<bool> BlockedAsync(DbConnection connection, DbTransaction? transaction, Guid a, Guid b, CancellationToken cancellationToken)
    {
        var (low, high) = Users.UserPair.Order(a, b);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM contacts WHERE user_low = @low AND user_high = @high AND status = 'blocked'",
            new { low, high },
            transaction,
            cancellationToken: cancellationToken)) > 0;
    }
}
