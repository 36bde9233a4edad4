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
    private Action<IReadOnlyList<string>>? signalSink;
    // The write in progress on this flow, when signals are on. Static because SQLite pools handles per file, not
    // per object: a handle with the TEMP triggers may be reused by another object (or a tool) on the same file.
    private static readonly AsyncLocal<List<string>?> PendingSignals = new();
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<SQLitePCL.sqlite3, object> signalHandles = [];

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

            // Every handle knows the signal function, since any of them may carry a writer's TEMP triggers; outside
            // a signalling write it records nothing.
            connection.CreateFunction<string, int>("confab_signal", RecordSignal);
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
        var waiting = System.Diagnostics.Stopwatch.GetTimestamp();
        await writer.WaitAsync(cancellationToken);
        StorageMetrics.WaitedForWriter(System.Diagnostics.Stopwatch.GetElapsedTime(waiting));
        try
        {
            await using var connection = await OpenConnectionAsync(cancellationToken);
            var sink = signalSink;
            if (sink is null)
            {
                // Serializable is BEGIN IMMEDIATE in Microsoft.Data.Sqlite: the write lock is taken up front.
                return await RunInTransactionAsync(connection, IsolationLevel.Serializable, work, cancellationToken);
            }

            await PrepareSignalsAsync((SqliteConnection)connection, cancellationToken);
            var pending = new List<string>();
            PendingSignals.Value = pending;
            try
            {
                var result = await RunInTransactionAsync(connection, IsolationLevel.Serializable, work, cancellationToken);
                if (pending.Count > 0)
                {
                    sink(pending);
                }

                return result;
            }
            finally
            {
                // A rolled-back transaction announces nothing.
                PendingSignals.Value = null;
            }
        }
        finally
        {
            writer.Release();
        }
    }

    /// <summary>
    /// Announces committed changes to <paramref name="sink"/> (null stops it), in commit order, with the payloads
    /// PostgreSQL's NOTIFY triggers send (migration 0002): TEMP triggers on the writer connection call a function
    /// of this process and the payloads are handed over after COMMIT.
    /// </summary>
    public void EnableSignals(Action<IReadOnlyList<string>>? sink) => signalSink = sink;

    private static readonly string[] SignalTriggers =
    [
        "CREATE TEMP TRIGGER IF NOT EXISTS confab_signal_conversation_events AFTER INSERT ON main.conversation_events "
            + "BEGIN SELECT confab_signal('c:' || NEW.conversation_id || ':' || NEW.seq); END",
        "CREATE TEMP TRIGGER IF NOT EXISTS confab_signal_user_events AFTER INSERT ON main.user_events "
            + "BEGIN SELECT confab_signal('u:' || NEW.user_id || ':' || NEW.seq); END",
        "CREATE TEMP TRIGGER IF NOT EXISTS confab_signal_auth_sessions AFTER UPDATE OF revoked_at ON main.auth_sessions "
            + "WHEN OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL "
            + "BEGIN SELECT confab_signal('s:' || NEW.user_id || ':' || NEW.family_id); END",
    ];

    private static int RecordSignal(string payload)
    {
        PendingSignals.Value?.Add(payload);
        return 0;
    }

    private static async Task<bool> TableExistsAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'conversation_events'";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) > 0;
    }

    private async Task PrepareSignalsAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        // The triggers live as long as the pooled handle; they are created once per handle.
        if (connection.Handle is { } handle && signalHandles.TryGetValue(handle, out _))
        {
            return;
        }

        if (!await TableExistsAsync(connection, cancellationToken))
        {
            // Not migrated yet: there is nothing to announce until it is.
            return;
        }

        foreach (var statement in SignalTriggers)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = statement;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        if (connection.Handle is { } prepared)
        {
            signalHandles.AddOrUpdate(prepared, new object());
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
