using System.Data.Common;
using Confab.Storage.Engines;
using Confab.Storage.Schema;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Confab.Storage.Bulk;

/// <summary>
/// Writes many rows into one table inside the caller's transaction, as fast as the engine allows:
/// binary COPY into PostgreSQL, one prepared INSERT reused per row into SQLite. Column types come from the
/// database's own schema, so the caller hands plain .NET values (Guid, DateTime, bool, string, byte[], long, JsonText).
/// </summary>
public abstract class BulkTableWriter : IAsyncDisposable
{
    protected BulkTableWriter(TableSchema table, IReadOnlyList<string> columns)
    {
        Table = table.Name;
        Types = columns.Select(c => table.Column(c)?.Type
            ?? throw new ArgumentException($"table {table.Name} has no column {c}", nameof(columns))).ToArray();
    }

    public string Table { get; }

    public long RowsWritten { get; protected set; }

    protected LogicalType[] Types { get; }

    public static async Task<BulkTableWriter> BeginAsync(
        DbConnection connection, DbTransaction transaction, TableSchema table, IReadOnlyList<string> columns, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(columns);
        return connection switch
        {
            NpgsqlConnection npgsql => await PostgresCopyWriter.BeginAsync(npgsql, table, columns, cancellationToken),
            SqliteConnection sqlite => new SqliteInsertWriter(sqlite, (SqliteTransaction)transaction, table, columns),
            _ => throw new ArgumentException("unsupported connection", nameof(connection)),
        };
    }

    /// <summary>Writes one row; <paramref name="values"/> follow the column order given at the start.</summary>
    public abstract ValueTask WriteAsync(object?[] values, CancellationToken cancellationToken);

    /// <summary>Finishes the table (PostgreSQL commits the COPY into the transaction here). Returns rows written.</summary>
    public abstract Task<long> CompleteAsync(CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    protected static string ColumnList(IReadOnlyList<string> columns) => string.Join(", ", columns.Select(c => "\"" + c + "\""));
}
