using System.Data.Common;
using Confab.Storage.Engines;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Confab.Tools.Synthetic;

/// <summary>
/// Sets each generated conversation's counters once its events are written (rows reference the conversation,
/// so it is inserted first with zero counters). PostgreSQL takes them all in one statement over arrays;
/// SQLite runs one prepared UPDATE per conversation, which in-process costs microseconds.
/// </summary>
internal static class ConversationCounters
{
    public static async Task WriteAsync(DbConnection connection, DbTransaction transaction, IReadOnlyList<ConversationTotals> totals, CancellationToken cancellationToken)
    {
        if (connection is NpgsqlConnection npgsql)
        {
            await WritePostgresAsync(npgsql, totals, cancellationToken);
            return;
        }

        // updated_at moves past its inserted value so the updated_at trigger leaves it alone: the data stays reproducible.
        foreach (var t in totals)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                UPDATE conversations
                SET last_seq = @LastSeq, message_count = @MessageCount, last_message_at = @LastMessageAt,
                    last_activity_at = @LastActivityAt, updated_at = @UpdatedAt
                WHERE id = @Id
                """,
                new { t.Id, t.LastSeq, t.MessageCount, t.LastMessageAt, t.LastActivityAt, UpdatedAt = t.LastActivityAt.AddMilliseconds(1) },
                transaction,
                cancellationToken: cancellationToken));
        }
    }

    private static async Task WritePostgresAsync(NpgsqlConnection connection, IReadOnlyList<ConversationTotals> totals, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            UPDATE conversations AS c
            SET last_seq = t.last_seq, message_count = t.message_count, last_message_at = t.last_message_at,
                last_activity_at = t.last_activity_at, updated_at = t.last_activity_at + interval '1 millisecond'
            FROM unnest(@ids, @last_seqs, @message_counts, @last_message_ats, @last_activity_ats)
                 AS t(id, last_seq, message_count, last_message_at, last_activity_at)
            WHERE c.id = t.id
            """,
            connection);
        command.Parameters.Add(new NpgsqlParameter<Guid[]>("ids", totals.Select(t => t.Id).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<long[]>("last_seqs", totals.Select(t => t.LastSeq).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<long[]>("message_counts", totals.Select(t => t.MessageCount).ToArray()));
        command.Parameters.Add(new NpgsqlParameter("last_message_ats", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
        {
            Value = totals.Select(t => t.LastMessageAt.HasValue ? (object)t.LastMessageAt.Value : DBNull.Value).ToArray(),
        });
        command.Parameters.Add(new NpgsqlParameter("last_activity_ats", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
        {
            Value = totals.Select(t => t.LastActivityAt).ToArray(),
        });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
