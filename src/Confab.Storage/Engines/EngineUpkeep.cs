using System.Data.Common;
using System.Globalization;

namespace Confab.Storage.Engines;

/// <summary>
/// The engine's own upkeep that is cheap enough to run on a schedule while the server serves. SQLite:
/// <c>PRAGMA optimize</c> (refreshes the planner's statistics where they went stale) and a PASSIVE WAL checkpoint
/// (never waits for readers or the writer). PostgreSQL needs nothing here: autovacuum does it.
/// </summary>
public static class EngineUpkeep
{
    /// <returns>What was done, for the log.</returns>
    public static async Task<string> LightAsync(ConfabDatabase database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        if (database.Engine != DatabaseEngine.Sqlite || database.Target.IsInMemory)
        {
            return "nothing (autovacuum maintains PostgreSQL)";
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await ExecuteAsync(connection, "PRAGMA optimize", cancellationToken);
        var (busy, log, done) = await CheckpointAsync(connection, "PASSIVE", cancellationToken);
        return string.Create(CultureInfo.InvariantCulture, $"PRAGMA optimize; WAL checkpoint {done} of {log} pages{(busy ? " (busy)" : string.Empty)}");
    }

    /// <summary><c>PRAGMA wal_checkpoint(MODE)</c>: whether it was blocked, the log's pages, and the pages written back.</summary>
    private static async Task<(bool Busy, long LogPages, long Checkpointed)> CheckpointAsync(DbConnection connection, string mode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = connection.CreateCommand();
        command.CommandText = mode switch
        {
            "PASSIVE" or "FULL" or "RESTART" or "TRUNCATE" => $"PRAGMA wal_checkpoint({mode})",
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0) != 0, reader.GetInt64(1), reader.GetInt64(2));
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
