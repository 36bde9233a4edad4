using System.Data;
using System.Data.Common;

namespace Confab.Storage.Engines;

/// <summary>
/// One open database of either engine: hands out connections with the engine's settings applied
/// and runs write transactions through the engine's writer path.
/// </summary>
public abstract class ConfabDatabase : IAsyncDisposable
{
    protected ConfabDatabase(DatabaseTarget target)
    {
        Target = target;
        SqlTypeHandlers.Register();
    }

    public DatabaseTarget Target { get; }

    public DatabaseEngine Engine => Target.Engine;

    /// <summary>Opens a database; <paramref name="create"/> lets a missing SQLite file be created (PostgreSQL creates in <see cref="EnsureCreatedAsync"/>).</summary>
    public static ConfabDatabase Open(DatabaseTarget target, bool create = false)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.Engine switch
        {
            DatabaseEngine.Sqlite => new SqliteDatabase(target, create),
            DatabaseEngine.Postgres => new PostgresDatabase(target),
            _ => throw new ArgumentOutOfRangeException(nameof(target)),
        };
    }

    /// <summary>An open connection with the engine's settings applied. Callers dispose it.</summary>
    public abstract Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>True when the file or database exists (it may still be empty).</summary>
    public abstract Task<bool> ExistsAsync(CancellationToken cancellationToken);

    /// <summary>Creates the file or database when it is missing. PostgreSQL needs a role that may create databases.</summary>
    public abstract Task EnsureCreatedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction and commits it. On SQLite writes are serialised
    /// in this process and take the database write lock up front (BEGIN IMMEDIATE), so they never fail
    /// half-way on a lock upgrade.
    /// </summary>
    public abstract Task<T> WriteAsync<T>(
        Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    /// <summary>Runs <paramref name="work"/> in a transaction on <paramref name="connection"/> and commits it, measuring how long it took (meter "Confab.Storage").</summary>
    protected async Task<T> RunInTransactionAsync<T>(
        DbConnection connection,
        IsolationLevel isolation,
        Func<DbConnection, DbTransaction, Task<T>> work,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(work);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var committed = false;
        try
        {
            await using var transaction = await connection.BeginTransactionAsync(isolation, cancellationToken);
            var result = await work(connection, transaction);
            await transaction.CommitAsync(cancellationToken);
            committed = true;
            return result;
        }
        finally
        {
            StorageMetrics.Wrote(Engine, System.Diagnostics.Stopwatch.GetElapsedTime(started), committed);
        }
    }
}
