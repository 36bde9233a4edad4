using System.Data.Common;
using Confab.Storage.Engines;
using Confab.Storage.Schema;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Confab.Tools.Maintenance;

/// <summary>One table: its exact row count and, where the engine says, its size with indexes.</summary>
public sealed record TableStats(string Name, long Rows, long? Bytes, long? IndexBytes);

/// <summary>Messages sent on one UTC day.</summary>
public sealed record DailyMessages(DateOnly Day, long Messages, long Senders);

/// <summary>What <c>confab db stats</c> prints.</summary>
public sealed record DatabaseStatistics(string Database, string Engine, long DatabaseBytes, IReadOnlyList<TableStats> Tables, IReadOnlyList<DailyMessages> MessagesPerDay);

/// <summary>Sizes, row counts and messages per day: what operators used to ask with ad-hoc SQL.</summary>
public static class DatabaseStats
{
    public static async Task<DatabaseStatistics> CollectAsync(ConfabDatabase database, int days, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(clock);
        if (!await database.ExistsAsync(cancellationToken))
        {
            throw Storage.StorageErrors.Missing(database.Target);
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var schema = await SchemaReader.ReadAsync(connection, cancellationToken);
        var sizes = database.Engine == DatabaseEngine.Postgres ? await PostgresSizesAsync(connection, cancellationToken) : await SqliteSizesAsync(connection, cancellationToken);
        var tables = new List<TableStats>();
        foreach (var table in schema.Tables.Where(t => t.Kind == TableKind.Regular).OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var rows = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT count(*) FROM {Port.PortTable.Quote(table.Name)}", cancellationToken: cancellationToken, commandTimeout: 0));
            var size = sizes.GetValueOrDefault(table.Name);
            tables.Add(new TableStats(table.Name, rows, size.Table, size.Indexes));
        }

        var total = database.Engine == DatabaseEngine.Postgres
            ? await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT pg_database_size(current_database())", cancellationToken: cancellationToken))
            : await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()", cancellationToken: cancellationToken))
              + (new FileInfo(database.Target.SqlitePath + "-wal") is { Exists: true } wal ? wal.Length : 0);
        return new DatabaseStatistics(database.Target.Display, database.Engine.Name(), total, tables, await PerDayAsync(connection, database.Engine, clock.GetUtcNow().UtcDateTime.Date.AddDays(1 - days), cancellationToken));
    }

    private static async Task<IReadOnlyList<DailyMessages>> PerDayAsync(DbConnection connection, DatabaseEngine engine, DateTime firstDay, CancellationToken cancellationToken)
    {
        // Both engines compare the stored instant with a cut-off and group by its UTC day; messages(created_at) is not
        // indexed alone, so this reads the messages table once.
        var day = engine == DatabaseEngine.Postgres ? "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')" : "substr(created_at, 1, 10)";
        var since = DateTime.SpecifyKind(firstDay, DateTimeKind.Utc);
        var rows = await connection.QueryAsync<(string Day, long Messages, long Senders)>(new CommandDefinition(
            $"SELECT {day} AS day, count(*), count(DISTINCT sender_id) FROM messages WHERE created_at >= @since GROUP BY 1 ORDER BY 1",
            new { since },
            cancellationToken: cancellationToken,
            commandTimeout: 0));
        return rows.Select(r => new DailyMessages(DateOnly.ParseExact(r.Day, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), r.Messages, r.Senders)).ToList();
    }

    private static async Task<Dictionary<string, (long? Table, long? Indexes)>> PostgresSizesAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(string Name, long Table, long Indexes)>(new CommandDefinition(
            """
            SELECT c.relname, pg_table_size(c.oid), pg_indexes_size(c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
            """, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Name, r => ((long?)r.Table, (long?)r.Indexes), StringComparer.Ordinal);
    }

    /// <summary>From dbstat when the library has it (each index counted with its table); empty otherwise.</summary>
    private static async Task<Dictionary<string, (long? Table, long? Indexes)>> SqliteSizesAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            var rows = await connection.QueryAsync<(string Table, string Name, long Bytes)>(new CommandDefinition(
                "SELECT m.tbl_name, m.name, sum(d.pgsize) FROM dbstat d JOIN sqlite_master m ON m.name = d.name GROUP BY m.tbl_name, m.name",
                cancellationToken: cancellationToken,
                commandTimeout: 0));
            return rows.GroupBy(r => r.Table, StringComparer.Ordinal).ToDictionary(
                g => g.Key,
                g => ((long?)g.Where(r => r.Name == g.Key).Sum(r => r.Bytes), (long?)g.Where(r => r.Name != g.Key).Sum(r => r.Bytes)),
                StringComparer.Ordinal);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 1)
        {
            return new Dictionary<string, (long?, long?)>(StringComparer.Ordinal);
        }
    }
}
