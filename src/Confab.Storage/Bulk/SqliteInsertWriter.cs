using Confab.Storage.Engines;
using Confab.Storage.Schema;
using Microsoft.Data.Sqlite;

namespace Confab.Storage.Bulk;

/// <summary>
/// One prepared single-row INSERT, reused for every row. Multi-row statements were measured slower: the driver
/// binds every parameter by name on each execution and SQLite finds a name by scanning all of them, so the cost
/// grows with the square of the parameters per statement.
/// </summary>
internal sealed class SqliteInsertWriter : BulkTableWriter
{
    private readonly SqliteCommand command;
    private readonly SqliteParameter[] parameters;

    public SqliteInsertWriter(SqliteConnection connection, SqliteTransaction transaction, TableSchema table, IReadOnlyList<string> columns)
        : base(table, columns)
    {
        command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"INSERT INTO \"{table.Name}\" ({ColumnList(columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => "$p" + i))})";
        parameters = columns.Select((_, i) => command.Parameters.Add(new SqliteParameter("$p" + i, null))).ToArray();
        command.Prepare();
    }

    public override ValueTask WriteAsync(object?[] values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        cancellationToken.ThrowIfCancellationRequested();
        for (var i = 0; i < values.Length; i++)
        {
            parameters[i].Value = Encode(values[i]);
        }

        // SQLite runs in this process: the synchronous call is the real one (the async API wraps it).
        command.ExecuteNonQuery();
        RowsWritten++;
        return ValueTask.CompletedTask;
    }

    public override Task<long> CompleteAsync(CancellationToken cancellationToken) => Task.FromResult(RowsWritten);

    public override ValueTask DisposeAsync() => command.DisposeAsync();

    private static object Encode(object? value) => value switch
    {
        null => DBNull.Value,
        Guid g => SqliteValues.Uuid(g),
        DateTime dt => SqliteValues.Instant(dt),
        DateTimeOffset dto => SqliteValues.Instant(dto),
        bool b => b ? 1L : 0L,
        JsonText json => json.Text,
        _ => value,
    };
}
