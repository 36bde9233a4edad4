using System.Data.Common;
using Dapper;

namespace Confab.Tools.Port;

/// <summary>
/// The counters that number the event logs must be at least the highest number used, or the next event would
/// reuse one: conversations.last_seq over conversation_events.seq and users.last_event_seq over user_events.seq.
/// A port copies them as data; this check proves they arrived together with the logs they count.
/// </summary>
internal static class PortCounters
{
    private static readonly (string Owner, string Counter, string Log, string OwnerKey, string LogKey)[] Counters =
    [
        ("conversations", "last_seq", "conversation_events", "id", "conversation_id"),
        ("users", "last_event_seq", "user_events", "id", "user_id"),
    ];

    public static async Task<IReadOnlyList<string>> CheckAsync(DbConnection connection, IReadOnlyList<PortTable> tables, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        foreach (var (owner, counter, log, ownerKey, logKey) in Counters)
        {
            if (tables.FirstOrDefault(t => t.Name == owner)?.Target.Column(counter) is null || tables.All(t => t.Name != log))
            {
                continue;
            }

            var behind = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                $"""
                SELECT count(*) FROM {owner} o
                JOIN (SELECT {logKey} AS owner_id, max(seq) AS top FROM {log} GROUP BY {logKey}) l ON l.owner_id = o.{ownerKey}
                WHERE o.{counter} < l.top
                """,
                commandTimeout: 0,
                cancellationToken: cancellationToken));
            if (behind > 0)
            {
                problems.Add($"{behind} {owner} row(s) have {counter} below the highest seq in {log}");
            }
        }

        return problems;
    }
}
