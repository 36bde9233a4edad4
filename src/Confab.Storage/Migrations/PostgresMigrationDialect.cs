using System.Data.Common;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Storage.Migrations;

internal sealed class PostgresMigrationDialect(PostgresDatabase database) : MigrationDialect
{
    // "confab" + 0x0001: one key for every Confab runner on a cluster; the lock is per database, as is the journal.
    private const long LockKey = 0x636F_6E66_6162_0001;
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public override string CreateJournalSql => $"""
        CREATE TABLE IF NOT EXISTS {JournalTable} (
            version      bigint      NOT NULL PRIMARY KEY,
            name         text        NOT NULL,
            checksum     text        NOT NULL,
            applied_at   timestamptz NOT NULL,
            execution_ms bigint      NOT NULL
        )
        """;

    public override async Task<IReadOnlyList<string>> ListTablesAsync(DbConnection connection, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<string>(new CommandDefinition(
            """
            SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
            ORDER BY c.relname
            """,
            cancellationToken: cancellationToken))).ToList();

    public override async Task<IReadOnlyList<string>> ListColumnsAsync(DbConnection connection, string table, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<string>(new CommandDefinition(
            """
            SELECT column_name FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name = @table ORDER BY ordinal_position
            """,
            new { table },
            cancellationToken: cancellationToken))).ToList();

    /// <summary>
    /// A session-level advisory lock on a connection of its own, taken by polling pg_try_advisory_lock:
    /// a blocking pg_advisory_lock could deadlock with a concurrent CREATE INDEX CONCURRENTLY, which waits for
    /// every older transaction, while polling never holds a transaction open.
    /// </summary>
    public override async Task<IAsyncDisposable> AcquireRunLockAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var connection = await database.OpenDedicatedConnectionAsync(cancellationToken);
        try
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                var taken = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "SELECT pg_try_advisory_lock(@LockKey)", new { LockKey }, cancellationToken: cancellationToken));
                if (taken)
                {
                    return new AdvisoryLock(connection);
                }

                if (DateTime.UtcNow >= deadline)
                {
                    throw new StorageOperationException(
                        $"another confab is migrating {database.Target.Display}; gave up waiting after {timeout.TotalSeconds:0} s");
                }

                await Task.Delay(PollInterval, cancellationToken);
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override object EncodeInstant(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);

    public override DateTime DecodeInstant(object value) => value switch
    {
        DateTime dt => DateTime.SpecifyKind(dt, DateTimeKind.Utc),
        DateTimeOffset dto => dto.UtcDateTime,
        _ => throw new InvalidCastException($"unexpected applied_at value of type {value.GetType().Name}"),
    };

    private sealed class AdvisoryLock(DbConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await connection.ExecuteAsync("SELECT pg_advisory_unlock(@LockKey)", new { LockKey });
            }
            finally
            {
                // Closing the unpooled connection ends the session, which releases the lock in any case.
                await connection.DisposeAsync();
            }
        }
    }
}
