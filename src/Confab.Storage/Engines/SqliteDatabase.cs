using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Confab.Storage.Engines;

/// <summary>
/// An SQLite file: WAL, foreign keys, busy timeout and synchronous=NORMAL on every open;
/// one writer at a time inside this process.
/// </summary>
public sealed class SqliteDatabase : ConfabDatabase
{
    private static readonly Lock InitLock = new();
    private static bool initialized;

    private readonly SemaphoreSlim writer = new(1, 1);
    private readonly string connectionString;
    private readonly SqliteConnection? memoryKeeper;

    public SqliteDatabase(DatabaseTarget target, bool create)
        : base(target)
    {
        EnsureNativeLibrary();
        var builder = new SqliteConnectionStringBuilder(target.ConnectionString)
        {
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = true,
        };

        if (target.IsInMemory)
        {
            // A private in-memory database that all connections of this object share, kept alive by one of them.
            builder.DataSource = $"file:confab-{Guid.NewGuid():N}?mode=memory&cache=shared";
            builder.Mode = SqliteOpenMode.Memory;
            builder.Cache = SqliteCacheMode.Shared;
            memoryKeeper = new SqliteConnection(builder.ToString());
            memoryKeeper.Open();
        }

        connectionString = builder.ToString();
    }

    public override async Task<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            // busy_timeout first: switching to WAL needs a lock that another process may hold for a moment.
            // Reading the catalog last proves the file is a database now, not at some later query.
            // One command per statement: given several at once, this driver version reported success
            // although a later statement had failed.
            List<string> statements = [$"PRAGMA busy_timeout={(int)Target.SqliteBusyTimeout.TotalMilliseconds}"];
            if (!Target.IsInMemory)
            {
                statements.Add("PRAGMA journal_mode=WAL");
            }

            statements.AddRange(["PRAGMA foreign_keys=ON", $"PRAGMA synchronous={Target.SqliteSynchronous}", "SELECT count(*) FROM sqlite_master"]);
            foreach (var statement in statements)
            {
                await using var pragma = connection.CreateCommand();
                pragma.CommandText = statement;
                await pragma.ExecuteScalarAsync(cancellationToken);
            }

            return connection;
        }
        catch (SqliteException ex)
        {
            await connection.DisposeAsync();
            throw StorageErrors.Unavailable(ex, Target);
        }
    }

    public override Task<bool> ExistsAsync(CancellationToken cancellationToken) =>
        Task.FromResult(Target.IsInMemory || File.Exists(Target.SqlitePath));

    public override Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(Target.SqlitePath);
        if (!Target.IsInMemory && directory is { Length: > 0 } && !Directory.Exists(directory))
        {
            throw new DatabaseUnavailableException($"cannot create {Target.Display}: directory {directory} does not exist");
        }

        return Task.CompletedTask;
    }

    public override async Task<T> WriteAsync<T>(
        Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        await writer.WaitAsync(cancellationToken);
        try
        {
            await using var connection = await OpenConnectionAsync(cancellationToken);
            
            // Serializable is BEGIN IMMEDIATE in Microsoft.Data.Sqlite: the write lock is taken up front.
            return await RunInTransactionAsync(connection, IsolationLevel.Serializable, work, cancellationToken);
        }
        finally
        {
            writer.Release();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        if (memoryKeeper is not null)
        {
            await memoryKeeper.DisposeAsync();
        }

        writer.Dispose();
    }

    private static void EnsureNativeLibrary()
    {
        lock (InitLock)
        {
            if (!initialized)
            {
                SQLitePCL.Batteries_V2.Init();
                initialized = true;
            }
        }
    }
}
