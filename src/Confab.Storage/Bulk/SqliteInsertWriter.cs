using System.Globalization;
using System.Runtime.InteropServices;
using Confab.Storage.Engines;
using Confab.Storage.Schema;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Confab.Storage.Bulk;

/// <summary>
/// One prepared single-row INSERT on the connection's own SQLite handle, bound by position and reused for every
/// row, inside the caller's transaction. The ADO.NET layer costs several microseconds per execution (it binds by
/// name and builds a reader each time); here a row costs what SQLite itself needs. Multi-row statements were
/// measured slower: SQLite finds a named parameter by scanning all of them. Errors surface as the driver's own
/// <see cref="SqliteException"/>, so they are classified like any other.
/// </summary>
internal sealed class SqliteInsertWriter : BulkTableWriter
{
    private const int SqliteDone = 101;

    private readonly SqliteConnection connection;
    private readonly sqlite3_stmt statement;

    public SqliteInsertWriter(SqliteConnection connection, SqliteTransaction transaction, TableSchema table, IReadOnlyList<string> columns)
        : base(table, columns)
    {
        // The transaction is the connection's; statements on its handle run inside it.
        _ = transaction;
        this.connection = connection;
        var sql = $"INSERT INTO \"{table.Name}\" ({ColumnList(columns)}) VALUES ({string.Join(", ", columns.Select((_, i) => "?" + (i + 1)))})";
        var rc = raw.sqlite3_prepare_v2(connection.Handle, sql, out statement);
        SqliteException.ThrowExceptionForRC(rc, connection.Handle);
    }

    public override ValueTask WriteAsync(object?[] values, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(values);
        cancellationToken.ThrowIfCancellationRequested();
        for (var i = 0; i < values.Length; i++)
        {
            Check(Bind(i + 1, values[i]));
        }

        // SQLite runs in this process: the synchronous call is the real one.
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (rc != SqliteDone)
        {
            SqliteException.ThrowExceptionForRC(rc, connection.Handle);
        }

        RowsWritten++;
        return ValueTask.CompletedTask;
    }

    public override Task<long> CompleteAsync(CancellationToken cancellationToken) => Task.FromResult(RowsWritten);

    public override ValueTask DisposeAsync()
    {
        statement.Dispose();
        return ValueTask.CompletedTask;
    }

    private int Bind(int index, object? value)
    {
        Span<byte> buffer = stackalloc byte[48];
        switch (value)
        {
            case null:
                return raw.sqlite3_bind_null(statement, index);
            case string text:
                return raw.sqlite3_bind_text16(statement, index, text.AsSpan());
            case long number:
                return raw.sqlite3_bind_int64(statement, index, number);
            case int number:
                return raw.sqlite3_bind_int64(statement, index, number);
            case bool flag:
                return raw.sqlite3_bind_int64(statement, index, flag ? 1 : 0);
            case Guid id when id.TryFormat(buffer, out var written, "D"):
                return raw.sqlite3_bind_text(statement, index, buffer[..written]);
            case DateTime instant:
                return BindAscii(index, SqliteValues.Instant(instant), buffer);
            case DateTimeOffset instant:
                return BindAscii(index, SqliteValues.Instant(instant), buffer);
            case JsonText json:
                return raw.sqlite3_bind_text16(statement, index, json.Text.AsSpan());
            case byte[] bytes:
                return raw.sqlite3_bind_blob(statement, index, bytes);
            case double real:
                return raw.sqlite3_bind_double(statement, index, real);
            default:
                return raw.sqlite3_bind_text16(statement, index, Convert.ToString(value, CultureInfo.InvariantCulture).AsSpan());
        }
    }

    private int BindAscii(int index, string text, Span<byte> buffer)
    {
        var length = System.Text.Encoding.ASCII.GetBytes(text, buffer);
        return raw.sqlite3_bind_text(statement, index, buffer[..length]);
    }

    private void Check(int rc)
    {
        if (rc != 0)
        {
            SqliteException.ThrowExceptionForRC(rc, connection.Handle);
        }
    }
}
