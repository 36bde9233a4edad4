using System.Data.Common;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Storage.Migrations;

/// <summary>
/// What the migration runner does differently per engine: the journal's DDL and value encoding,
/// listing what else lives in the database, and how two runners exclude each other.
/// </summary>
internal abstract class MigrationDialect
{
    public const string JournalTable = "schema_migrations";

    public static readonly string[] JournalColumns = ["version", "name", "checksum", "applied_at", "execution_ms"];

    public static MigrationDialect For(ConfabDatabase database) => database switch
    {
        PostgresDatabase pg => new PostgresMigrationDialect(pg),
        SqliteDatabase => new SqliteMigrationDialect(),
        _ => throw new ArgumentOutOfRangeException(nameof(database)),
    };

    public abstract string CreateJournalSql { get; }

    /// <summary>Names of the tables in the schema Confab owns (the current schema on PostgreSQL), the journal included.</summary>
    public abstract Task<IReadOnlyList<string>> ListTablesAsync(DbConnection connection, CancellationToken cancellationToken);

    public abstract Task<IReadOnlyList<string>> ListColumnsAsync(DbConnection connection, string table, CancellationToken cancellationToken);

    /// <summary>Excludes other runners for the whole run; the SQLite dialect relies on the per-migration write lock instead.</summary>
    public abstract Task<IAsyncDisposable> AcquireRunLockAsync(TimeSpan timeout, CancellationToken cancellationToken);

    public abstract object EncodeInstant(DateTime value);

    public abstract DateTime DecodeInstant(object value);

    public async Task<IReadOnlyList<JournalEntry>> ReadJournalAsync(
        DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(long Version, string Name, string Checksum, object AppliedAt, long ExecutionMs)>(
            new CommandDefinition(
                $"SELECT version, name, checksum, applied_at, execution_ms FROM {JournalTable} ORDER BY version",
                transaction: transaction,
                cancellationToken: cancellationToken));
        return rows.Select(r => new JournalEntry(r.Version, r.Name, r.Checksum, DecodeInstant(r.AppliedAt), r.ExecutionMs)).ToList();
    }

    public Task RecordAsync(DbConnection connection, DbTransaction? transaction, Migration migration, long executionMs, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO {JournalTable} (version, name, checksum, applied_at, execution_ms)
            VALUES (@Version, @Name, @Checksum, @AppliedAt, @ExecutionMs)
            """,
            new { migration.Version, migration.Name, migration.Checksum, AppliedAt = EncodeInstant(DateTime.UtcNow), ExecutionMs = executionMs },
            transaction,
            cancellationToken: cancellationToken));

    public Task ForgetAsync(DbConnection connection, DbTransaction? transaction, long version, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM {JournalTable} WHERE version = @version", new { version }, transaction, cancellationToken: cancellationToken));

    public Task UpdateChecksumAsync(DbConnection connection, long version, string checksum, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(
            $"UPDATE {JournalTable} SET checksum = @checksum WHERE version = @version", new { version, checksum }, cancellationToken: cancellationToken));
}
