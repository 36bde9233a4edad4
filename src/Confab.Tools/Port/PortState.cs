using System.Data.Common;
using System.Globalization;
using Confab.Storage.Schema;
using Dapper;

namespace Confab.Tools.Port;

/// <summary>
/// A port's own bookkeeping, kept in the target next to the data it describes: which source it copies, how far
/// each table got, and the index and constraint builds still to run. A batch of rows and its checkpoint commit in
/// one transaction, so after a kill the checkpoint says exactly which rows are there.
/// </summary>
internal static class PortState
{
    public const string StateTable = SchemaReader.PortBookkeepingPrefix + "state";
    public const string TablesTable = SchemaReader.PortBookkeepingPrefix + "tables";
    public const string StepsTable = SchemaReader.PortBookkeepingPrefix + "steps";

    public static async Task CreateAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        string[] statements =
        [
            $"CREATE TABLE IF NOT EXISTS {StateTable} (name TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)",
            $"CREATE TABLE IF NOT EXISTS {TablesTable} (table_name TEXT NOT NULL PRIMARY KEY, checkpoint TEXT, rows_copied BIGINT NOT NULL, done BIGINT NOT NULL)",
            $"CREATE TABLE IF NOT EXISTS {StepsTable} (ordinal BIGINT NOT NULL PRIMARY KEY, table_name TEXT NOT NULL, kind TEXT NOT NULL, statement TEXT NOT NULL, done BIGINT NOT NULL)",
        ];
        foreach (var sql in statements)
        {
            await connection.ExecuteAsync(new CommandDefinition(sql, cancellationToken: cancellationToken));
        }
    }

    public static async Task<bool> ExistsAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var sql = connection is Npgsql.NpgsqlConnection
            ? $"SELECT count(*) FROM pg_class WHERE relname = '{StateTable}' AND relnamespace = current_schema()::regnamespace"
            : $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{StateTable}'";
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(sql, cancellationToken: cancellationToken)) > 0;
    }

    public static async Task<IReadOnlyDictionary<string, string>> ReadAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (!await ExistsAsync(connection, cancellationToken))
        {
            return new Dictionary<string, string>();
        }

        var rows = await connection.QueryAsync<(string Name, string Value)>(new CommandDefinition(
            $"SELECT name, value FROM {StateTable}", cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Name, r => r.Value, StringComparer.Ordinal);
    }

    public static Task SetAsync(DbConnection connection, DbTransaction? transaction, string name, string value, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO {StateTable} (name, value) VALUES (@name, @value) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            new { name, value },
            transaction,
            cancellationToken: cancellationToken));

    public static async Task<IReadOnlyDictionary<string, TableProgress>> TablesAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(string Table, string? Checkpoint, long Rows, long Done)>(new CommandDefinition(
            $"SELECT table_name, checkpoint, rows_copied, done FROM {TablesTable}", cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Table, r => new TableProgress(r.Checkpoint, r.Rows, r.Done != 0), StringComparer.Ordinal);
    }

    public static Task SaveTableAsync(DbConnection connection, DbTransaction? transaction, string table, TableProgress progress, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO {TablesTable} (table_name, checkpoint, rows_copied, done) VALUES (@table, @checkpoint, @rows, @done)
            ON CONFLICT (table_name) DO UPDATE SET checkpoint = excluded.checkpoint, rows_copied = excluded.rows_copied, done = excluded.done
            """,
            new { table, checkpoint = progress.Checkpoint, rows = progress.Rows, done = progress.Done ? 1L : 0L },
            transaction,
            cancellationToken: cancellationToken));

    public static async Task<IReadOnlyList<BuildStep>> StepsAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(long Ordinal, string Table, string Kind, string Statement, long Done)>(new CommandDefinition(
            $"SELECT ordinal, table_name, kind, statement, done FROM {StepsTable} ORDER BY ordinal", transaction: transaction, cancellationToken: cancellationToken));
        return rows.Select(r => new BuildStep(r.Ordinal, r.Table, r.Kind, r.Statement, r.Done != 0)).ToList();
    }

    public static async Task AddStepsAsync(DbConnection connection, DbTransaction transaction, IEnumerable<BuildStep> steps, CancellationToken cancellationToken)
    {
        foreach (var step in steps)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO {StepsTable} (ordinal, table_name, kind, statement, done) VALUES (@Ordinal, @Table, @Kind, @Statement, 0)",
                step,
                transaction,
                cancellationToken: cancellationToken));
        }
    }

    public static Task MarkStepDoneAsync(DbConnection connection, DbTransaction transaction, long ordinal, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE {StepsTable} SET done = 1 WHERE ordinal = @ordinal", new { ordinal }, transaction, cancellationToken: cancellationToken));

    public static string Now() => DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture);
}

/// <summary>How far one table's copy got: the last key committed (source form), the rows committed, finished or not.</summary>
internal sealed record TableProgress(string? Checkpoint, long Rows, bool Done);

/// <summary>One deferred index, search or constraint build, run in its own transaction after the data is in.</summary>
internal sealed record BuildStep(long Ordinal, string Table, string Kind, string Statement, bool Done);
