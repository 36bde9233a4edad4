using System.Data.Common;
using System.Text.Json;
using Confab.Chat.Audit;
using Confab.Chat.Realtime;
using Confab.Chat.Users;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Conversations;

/// <summary>A member as the other members see them.</summary>
public sealed record MemberView
{
    public Guid UserId { get; init; }

    public string Username { get; init; } = string.Empty;

    public string DisplayName { get; init; } = string.Empty;

    public string Role { get; init; } = Roles.Member;

    public DateTime JoinedAt { get; init; }

    public long LastReadSeq { get; init; }
}

/// <summary>Group membership and moderation. Every change is an event; role changes are also audited.</summary>
public sealed class MembershipStore(ConfabDatabase database, TimeProvider clock, ConversationLimits? limits = null)
{
    private readonly ConversationLimits limits = limits ?? new ConversationLimits();

    public async Task<IReadOnlyList<MemberView>> MembersAsync(Guid caller, Guid conversationId, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await Membership.RequireAsync(connection, null, conversationId, caller, cancellationToken);
        return (await connection.QueryAsync<MemberView>(new CommandDefinition(
            """
            SELECT u.id AS UserId, u.username AS Username, u.display_name AS DisplayName, p.role AS Role, p.joined_at AS JoinedAt, p.last_read_seq AS LastReadSeq
            FROM participants p JOIN users u ON u.id = p.user_id
            WHERE p.conversation_id = @conversationId AND p.left_at IS NULL
            ORDER BY p.joined_at, u.username
            """,
            new { conversationId },
            cancellationToken: cancellationToken))).ToList();
    }

    public Task AddAsync(Guid caller, Guid conversationId, IReadOnlyList<Guid> userIds, CancellationToken cancellationToken) =>
        GroupChangeAsync(caller, conversationId, async (connection, transaction, role, now) =>
        {
            if (!Roles.CanManageMembers(role))
            {
                throw NotAllowed("Only admins and owners add members.");
            }

            var adding = userIds.Distinct().ToList();
            if (adding.Count > limits.MaxMembersPerChange)
            {
                throw new ChatException(ChatErrorKind.Validation, "too_many_members", $"Add at most {limits.MaxMembersPerChange} members at once.",
                    new Dictionary<string, string[]> { ["userIds"] = [$"name at most {limits.MaxMembersPerChange} users"] });
            }

            // Counted under the conversation's row lock (GroupChangeAsync takes it), so parallel adds cannot overfill it.
            var members = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "SELECT count(*) FROM participants WHERE conversation_id = @conversationId AND left_at IS NULL",
                new { conversationId },
                transaction,
                cancellationToken: cancellationToken));
            foreach (var userId in adding)
            {
                var exists = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT count(*) FROM users WHERE id = @userId AND erased_at IS NULL AND disabled_at IS NULL", new { userId }, transaction, cancellationToken: cancellationToken));
                if (exists == 0)
                {
                    throw new ChatException(ChatErrorKind.Validation, "unknown_user", $"There is no user {userId}.",
                        new Dictionary<string, string[]> { ["userIds"] = [$"{userId} is not a user"] });
                }

                if (await Membership.BlockedAsync(connection, transaction, caller, userId, cancellationToken))
                {
                    throw new ChatException(ChatErrorKind.Forbidden, "blocked", "You cannot add this user.");
                }

                var current = await connection.QuerySingleOrDefaultAsync<ParticipantRow>(new CommandDefinition(
                    "SELECT role AS Role, left_at AS LeftAt FROM participants WHERE conversation_id = @conversationId AND user_id = @userId",
                    new { conversationId, userId },
                    transaction,
                    cancellationToken: cancellationToken));
                if (current is { LeftAt: null })
                {
                    continue;
                }

                if (++members > limits.MaxGroupMembers)
                {
                    throw new ChatException(ChatErrorKind.Conflict, "group_full", $"A group has at most {limits.MaxGroupMembers} members.");
                }

                var seq = await ConversationLog.AppendAsync(connection, transaction, conversationId, EventKind.MemberAdded, caller, null, EventPayload.Write(new MemberChange(userId)), now, cancellationToken);
                await connection.ExecuteAsync(new CommandDefinition(
                    current is null
                        ? """
                          INSERT INTO participants (conversation_id, user_id, role, joined_at, joined_seq, last_read_seq, last_delivered_seq, updated_at)
                          VALUES (@conversationId, @userId, 'member', @now, @seq, 0, 0, @now)
                          """
                        : """
                          UPDATE participants SET role = 'member', left_at = NULL, joined_at = @now, joined_seq = @seq, updated_at = @now
                          WHERE conversation_id = @conversationId AND user_id = @userId
                          """,
                    new { conversationId, userId, now, seq },
                    transaction,
                    cancellationToken: cancellationToken));
                await UserLog.AppendAsync(connection, transaction, userId, UserEventKind.ConversationJoined, EventPayload.Write(new ConversationJoined(conversationId, seq - 1)), now, cancellationToken);
            }
        }, cancellationToken);

    public Task RemoveAsync(Guid caller, Guid conversationId, Guid userId, CancellationToken cancellationToken) =>
        GroupChangeAsync(caller, conversationId, async (connection, transaction, role, now) =>
        {
            if (userId == caller)
            {
                throw ChatException.Invalid("userId", "leave the conversation instead of removing yourself");
            }

            var target = await MemberRoleAsync(connection, transaction, conversationId, userId, cancellationToken);
            if (target == Roles.Owner)
            {
                throw NotAllowed("The owner cannot be removed.");
            }

            if (!Roles.CanManageMembers(role) || Roles.Rank(target) >= Roles.Rank(role))
            {
                throw NotAllowed("You may remove only members whose role is below yours.");
            }

            await LeaveAsync(connection, transaction, conversationId, userId, caller, now, cancellationToken);
        }, cancellationToken);

    public Task SetRoleAsync(Guid caller, Guid conversationId, Guid userId, string? newRole, ClientInfo client, CancellationToken cancellationToken) =>
        GroupChangeAsync(caller, conversationId, async (connection, transaction, role, now) =>
        {
            if (!Roles.IsValid(newRole))
            {
                throw ChatException.Invalid("role", "must be owner, admin, moderator or member");
            }

            if (userId == caller)
            {
                throw NotAllowed("You cannot change your own role.");
            }

            var target = await MemberRoleAsync(connection, transaction, conversationId, userId, cancellationToken);
            if (!Roles.CanChange(role, target, newRole!))
            {
                throw NotAllowed($"A {role} cannot make a {target} into a {newRole}.");
            }

            if (target == newRole)
            {
                return;
            }

            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE participants SET role = @newRole WHERE conversation_id = @conversationId AND user_id = @userId",
                new { newRole, conversationId, userId },
                transaction,
                cancellationToken: cancellationToken));
            await ConversationLog.AppendAsync(connection, transaction, conversationId, EventKind.MemberRoleChanged, caller, null,
                EventPayload.Write(new RoleChange(userId, newRole!, target)), now, cancellationToken);
            await AuditLog.RecordAsync(connection, transaction, caller, "role.changed", client, AuditSeverity.Notice, "conversation", conversationId.ToString(),
                new { userId, role = newRole, previous = target }, cancellationToken);
        }, cancellationToken);

    /// <summary>Leaves a group. When the last owner leaves, the longest-standing member of the highest remaining role becomes owner.</summary>
    public Task LeaveAsync(Guid caller, Guid conversationId, CancellationToken cancellationToken) =>
        GroupChangeAsync(caller, conversationId, async (connection, transaction, role, now) =>
        {
            await LeaveAsync(connection, transaction, conversationId, caller, caller, now, cancellationToken);
            if (role != Roles.Owner)
            {
                return;
            }

            await Succession.HandOverIfOwnerlessAsync(connection, transaction, conversationId, caller, now, cancellationToken);
        }, cancellationToken);

    /// <summary>Renames a group or replaces its settings (admins and owners).</summary>
    public Task UpdateAsync(Guid caller, Guid conversationId, string? title, bool titleGiven, JsonElement? settings, CancellationToken cancellationToken) =>
        GroupChangeAsync(caller, conversationId, async (connection, transaction, role, now) =>
        {
            if (!Roles.CanManageMembers(role))
            {
                throw NotAllowed("Only admins and owners change a group.");
            }

            TextRules.Require(title, "title");
            if (settings is { } text)
            {
                TextRules.RequireJson(text, "settings");
            }

            if (titleGiven && (string.IsNullOrWhiteSpace(title) || Accounts.AccountRules.TextLength(title) > 200))
            {
                throw ChatException.Invalid("title", "must be 1 to 200 characters");
            }

            if (settings is { } s && (s.ValueKind != JsonValueKind.Object || s.GetRawText().Length > 16_384))
            {
                throw ChatException.Invalid("settings", "must be a JSON object of at most 16 KiB");
            }

            if (settings is { } withRetention && withRetention.TryGetProperty(Retention.RetentionPolicy.SettingsKey, out var days)
                && !(days.ValueKind == JsonValueKind.Number && days.TryGetInt32(out var value) && value is >= 1 and <= 36_500))
            {
                throw ChatException.Invalid($"settings.{Retention.RetentionPolicy.SettingsKey}", "must be a whole number of days from 1 to 36500");
            }

            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE conversations SET title = CASE WHEN @titleGiven THEN @title ELSE title END,
                       settings = CASE WHEN @settingsGiven THEN @settings ELSE settings END
                WHERE id = @conversationId
                """,
                new { titleGiven, title = title?.Trim(), settingsGiven = settings is not null, settings = new JsonText(settings?.GetRawText() ?? "{}"), conversationId },
                transaction,
                cancellationToken: cancellationToken));
            await ConversationLog.AppendAsync(connection, transaction, conversationId, EventKind.ConversationUpdated, caller, null,
                EventPayload.Write(new ConversationUpdate(titleGiven ? title?.Trim() : null, settings is not null)), now, cancellationToken);
        }, cancellationToken);

    /// <summary>Deletes a group (owners only): members can no longer see it.</summary>
    public Task DeleteAsync(Guid caller, Guid conversationId, ClientInfo client, CancellationToken cancellationToken) =>
        GroupChangeAsync(caller, conversationId, async (connection, transaction, role, now) =>
        {
            if (role != Roles.Owner)
            {
                throw NotAllowed("Only an owner deletes a group.");
            }

            await ConversationLog.AppendAsync(connection, transaction, conversationId, EventKind.ConversationDeleted, caller, null, EventPayload.Empty, now, cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE conversations SET deleted_at = @now WHERE id = @conversationId", new { now, conversationId }, transaction, cancellationToken: cancellationToken));
            await AuditLog.RecordAsync(connection, transaction, caller, "conversation.deleted", client, AuditSeverity.Notice, "conversation", conversationId.ToString(),
                cancellationToken: cancellationToken);
        }, cancellationToken);

    /// <summary>Mutes the conversation for the caller until a time, or unmutes it (null). Private: no event.</summary>
    public async Task MuteAsync(Guid caller, Guid conversationId, DateTime? until, CancellationToken cancellationToken) =>
        await database.WriteAsync(
            async (connection, transaction) =>
            {
                await Membership.RequireAsync(connection, transaction, conversationId, caller, cancellationToken);
                return await connection.ExecuteAsync(new CommandDefinition(
                    "UPDATE participants SET muted_until = @until WHERE conversation_id = @conversationId AND user_id = @caller",
                    new { until = until is { } u ? Instants.Micro(u.ToUniversalTime()) : (DateTime?)null, conversationId, caller },
                    transaction,
                    cancellationToken: cancellationToken));
            },
            cancellationToken);

    private async Task GroupChangeAsync(
        Guid caller, Guid conversationId, Func<DbConnection, DbTransaction, string, DateTime, Task> change, CancellationToken cancellationToken) =>
        await database.WriteAsync(
            async (connection, transaction) =>
            {
                var member = await ConversationLock.RequireMemberAsync(connection, transaction, database.Engine, conversationId, caller, cancellationToken);
                if (!member.IsGroup)
                {
                    throw new ChatException(ChatErrorKind.Validation, "not_a_group", "Direct conversations have no members to manage.");
                }

                await change(connection, transaction, member.Role, clock.Now());
                return 0;
            },
            cancellationToken);

    private static async Task LeaveAsync(DbConnection connection, DbTransaction transaction, Guid conversationId, Guid userId, Guid actor, DateTime now, CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE participants SET left_at = @now WHERE conversation_id = @conversationId AND user_id = @userId",
            new { now, conversationId, userId },
            transaction,
            cancellationToken: cancellationToken));
        await ConversationLog.AppendAsync(connection, transaction, conversationId, EventKind.MemberRemoved, actor, null, EventPayload.Write(new MemberChange(userId)), now, cancellationToken);
        await UserLog.AppendAsync(connection, transaction, userId, UserEventKind.ConversationLeft, EventPayload.Write(new ConversationLeft(conversationId)), now, cancellationToken);
    }

    private static async Task<string> MemberRoleAsync(DbConnection connection, DbTransaction transaction, Guid conversationId, Guid userId, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT role FROM participants WHERE conversation_id = @conversationId AND user_id = @userId AND left_at IS NULL",
            new { conversationId, userId },
            transaction,
            cancellationToken: cancellationToken))
        ?? throw new ChatException(ChatErrorKind.NotFound, "member_not_found", "That user is not a member of this conversation.");

    private sealed record ParticipantRow
    {
        public string Role { get; init; } = Roles.Member;

        public DateTime? LeftAt { get; init; }
    }

    private static ChatException NotAllowed(string message) => new(ChatErrorKind.Forbidden, "not_allowed", message);

}
