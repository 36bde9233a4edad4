using System.Data.Common;
using System.Text.Json;
using Confab.Chat.Conversations;
using Confab.Chat.Realtime;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Retention;

/// <summary>The retention policy: a global maximum age (0 keeps messages forever) and the per-conversation override.</summary>
public sealed record RetentionPolicy(int MaxAgeDays, int BatchSize = 500)
{
    /// <summary>The settings key through which a conversation overrides the global maximum age, in days.</summary>
    public const string SettingsKey = "retentionDays";
}

/// <summary>
/// Applies the retention policy: messages older than their conversation's limit become tombstones, exactly as a
/// deletion does (content, edit history, pins, reactions and attachments go; a message.deleted event tells clients),
/// so expired content is gone from history, search and export. Works in bounded batches, each in one transaction.
/// </summary>
public sealed class RetentionSweeper(ConfabDatabase database, RetentionPolicy policy, TimeProvider clock)
{
    /// <summary>
    /// The conversations that name their own limit: their settings hold the key at the top level with a whole number,
    /// as the JSON functions of each engine read it. Text matching would also take a title or any other value that
    /// merely contains the word and opt that conversation out of the global limit.
    /// </summary>
    private string HasOverride => database.Engine == DatabaseEngine.Postgres
        ? "jsonb_typeof(c.settings -> @key) = 'number'"
        : "json_type(c.settings, @path) IN ('integer', 'real')";

    private static readonly string OverridePath = "$." + RetentionPolicy.SettingsKey;

    /// <summary>Sweeps until nothing is left to expire; returns how many messages expired.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var overrides = await OverridesAsync(cancellationToken);
        var total = 0;
        foreach (var (conversationId, days) in overrides)
        {
            // A value the API would not have stored (not a positive whole number of days) leaves the global limit.
            if ((days ?? policy.MaxAgeDays) is > 0 and var limit)
            {
                total += await SweepScopeAsync(limit, conversationId, cancellationToken);
            }
        }

        if (policy.MaxAgeDays > 0)
        {
            total += await SweepScopeAsync(policy.MaxAgeDays, null, cancellationToken);
        }

        return total;
    }

    /// <summary>One conversation with its own limit, or (null) every conversation without one.</summary>
    private async Task<int> SweepScopeAsync(int days, Guid? conversationId, CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            var expired = await database.WriteAsync(
                async (connection, transaction) =>
                {
                    var now = clock.Now();
                    // Conversations that name their own limit are swept on their own, never by the global limit.
                    var batch = (await connection.QueryAsync<(Guid Id, Guid ConversationId)>(new CommandDefinition(
                        $"""
                        SELECT id, conversation_id FROM messages
                        WHERE deleted_at IS NULL AND created_at < @cutoff
                          AND (CASE WHEN @one THEN conversation_id = @conversationId
                                    ELSE conversation_id NOT IN (SELECT c.id FROM conversations c WHERE {HasOverride}) END)
                        ORDER BY created_at, id
                        LIMIT @take
                        """,
                        new
                        {
                            cutoff = now.AddDays(-days), one = conversationId is not null, conversationId = conversationId ?? Guid.Empty,
                            key = RetentionPolicy.SettingsKey, path = OverridePath, take = policy.BatchSize,
                        },
                        transaction,
                        cancellationToken: cancellationToken))).ToList();
                    foreach (var (id, conversation) in batch)
                    {
                        await ExpireAsync(connection, transaction, id, conversation, now, cancellationToken);
                    }

                    return batch.Count;
                },
                cancellationToken);
            total += expired;
            if (expired < policy.BatchSize)
            {
                return total;
            }
        }
    }

    private static async Task ExpireAsync(DbConnection connection, DbTransaction transaction, Guid id, Guid conversationId, DateTime now, CancellationToken cancellationToken)
    {
        foreach (var sql in new[]
        {
            "UPDATE messages SET body = NULL, ciphertext = NULL, deleted_at = @now WHERE id = @id",
            "DELETE FROM message_edits WHERE message_id = @id",
            "DELETE FROM pinned_messages WHERE message_id = @id",
            "DELETE FROM reactions WHERE message_id = @id",
            "DELETE FROM attachments WHERE message_id = @id",
        })
        {
            await connection.ExecuteAsync(new CommandDefinition(sql, new { id, now }, transaction, cancellationToken: cancellationToken));
        }

        var actor = await connection.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            "SELECT sender_id FROM messages WHERE id = @id", new { id }, transaction, cancellationToken: cancellationToken));
        if (actor is { } sender)
        {
            await ConversationLog.AppendAsync(connection, transaction, conversationId, EventKind.MessageDeleted, sender, id, EventPayload.Write(new MessageDeletion(MessageDeletion.Retention)), now, cancellationToken);
        }
    }

    /// <summary>Conversations whose settings carry their own limit. The settings are parsed here, the same way on both engines.</summary>
    private async Task<Dictionary<Guid, int?>> OverridesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(Guid Id, string Settings)>(new CommandDefinition(
            $"SELECT c.id, CAST(c.settings AS TEXT) FROM conversations c WHERE c.deleted_at IS NULL AND {HasOverride}",
            new { key = RetentionPolicy.SettingsKey, path = OverridePath },
            cancellationToken: cancellationToken));
        var overrides = new Dictionary<Guid, int?>();
        foreach (var (id, settings) in rows)
        {
            using var document = JsonDocument.Parse(settings);
            overrides[id] = document.RootElement.TryGetProperty(RetentionPolicy.SettingsKey, out var days)
                && days.ValueKind == JsonValueKind.Number && days.TryGetInt32(out var value) && value > 0
                    ? value
                    : null;
        }

        return overrides;
    }
}
