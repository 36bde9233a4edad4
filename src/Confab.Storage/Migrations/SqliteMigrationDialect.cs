using System.Data.Common;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Storage.Migrations;

internal sealed class SqliteMigrationDialect : MigrationDialect
{
    public override string CreateJournalSql => $"""
        CREATE TABLE IF NOT EXISTS {JournalTable} (
            version      BIGINT      NOT NULL PRIMARY KEY,
            name         TEXT        NOT NULL,
            checksum     TEXT        NOT NULL,
            applied_at   TIMESTAMPTZ NOT NULL,
            execution_ms BIGINT      NOT NULL
        )
        """;

    public override async Task<IReadOnlyList<string>> ListTablesAsync(DbConnection connection, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
            cancellationToken: cancellationToken))).ToList();

    public override async Task<IReadOnlyList<string>> ListColumnsAsync(DbConnection connection, string table, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT name FROM pragma_table_info(@table) ORDER BY cid", new { table }, cancellationToken: cancellationToken))).ToList();

    /// <summary>
    /// Nothing to hold for the run: each migration takes the database write lock (BEGIN IMMEDIATE) and re-reads
    /// the journal under it, so a runner killed mid-way leaves no lock behind.
    /// </summary>
    public override Task<IAsyncDisposable> AcquireRunLockAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        Task.FromResult<IAsyncDisposable>(NoLock.Instance);

    public override object EncodeInstant(DateTime value) => SqliteValues.Instant(value);

    public override DateTime DecodeInstant(object value) => value switch
    {
        string text => SqliteValues.ParseInstant(text),
        _ => throw new InvalidCastException($"unexpected applied_at value of type {value.GetType().Name}"),
    };

    private sealed class NoLock : IAsyncDisposable
    {
        public static readonly NoLock Instance = new();

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
