using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Confab.Tools.Port;

/// <summary>
/// A read-only transaction on the source, so every table of one pass is read as of the same moment. On SQLite
/// it is a plain BEGIN (the snapshot starts at the first read and holds until the end, which WAL allows while the
/// server writes); on PostgreSQL a REPEATABLE READ READ ONLY transaction.
/// </summary>
internal sealed class SourceSnapshot : IAsyncDisposable
{
    private readonly DbConnection connection;
    private readonly DbTransaction? transaction;

    private SourceSnapshot(DbConnection connection, DbTransaction? transaction)
    {
        this.connection = connection;
        this.transaction = transaction;
    }

    /// <summary>The transaction to give commands (null on SQLite, whose driver does not know about the BEGIN).</summary>
    public DbTransaction? Transaction => transaction;

    public static async Task<SourceSnapshot> BeginAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (connection is SqliteConnection)
        {
            await ExecuteAsync(connection, "BEGIN", cancellationToken);
            return new SourceSnapshot(connection, null);
        }

        var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SET TRANSACTION READ ONLY";
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new SourceSnapshot(connection, transaction);
    }

    public async ValueTask DisposeAsync()
    {
        if (transaction is not null)
        {
            await transaction.DisposeAsync();
        }
        else if (connection.State == ConnectionState.Open)
        {
            try
            {
                await ExecuteAsync(connection, "ROLLBACK", CancellationToken.None);
            }
            catch (SqliteException)
            {
                // No transaction left to end (the connection failed with it).
            }
        }
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
