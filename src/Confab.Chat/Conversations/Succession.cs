using System.Data.Common;
using Confab.Chat.Realtime;
using Dapper;

namespace Confab.Chat.Conversations;

/// <summary>When a group's last owner goes, the longest-standing member of the highest remaining role becomes owner.</summary>
internal static class Succession
{
    public static async Task HandOverIfOwnerlessAsync(
        DbConnection connection, DbTransaction transaction, Guid conversationId, Guid actor, DateTime now, CancellationToken cancellationToken)
    {
        var owners = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT count(*) FROM participants WHERE conversation_id = @conversationId AND left_at IS NULL AND role = 'owner'",
            new { conversationId },
            transaction,
            cancellationToken: cancellationToken));
        if (owners > 0)
        {
            return;
        }

        var heir = await connection.QueryFirstOrDefaultAsync<Heir>(new CommandDefinition(
            """
            SELECT user_id AS UserId, role AS Role FROM participants WHERE conversation_id = @conversationId AND left_at IS NULL
            ORDER BY CASE role WHEN 'admin' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END, joined_at, user_id
            LIMIT 1
            """,
            new { conversationId },
            transaction,
            cancellationToken: cancellationToken));
        if (heir is null)
        {
            return;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE participants SET role = 'owner' WHERE conversation_id = @conversationId AND user_id = @UserId",
            new { conversationId, heir.UserId },
            transaction,
            cancellationToken: cancellationToken));
        await ConversationLog.AppendAsync(connection, transaction, conversationId, EventKind.MemberRoleChanged, actor, null,
            EventPayload.Write(new RoleChange(heir.UserId, Roles.Owner, heir.Role)), now, cancellationToken);
    }

    private sealed record Heir
    {
        public Guid UserId { get; init; }

        public string Role { get; init; } = Roles.Member;
    }
}
