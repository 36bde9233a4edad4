using System.Data;
using System.Data.Common;
using System.Diagnostics;
using Confab.Storage.Engines;
using Confab.Storage.Sql;

namespace Confab.Storage.Migrations;

public sealed partial class MigrationRunner
{
    private List<MigrationStep> PlanUp(IReadOnlyList<JournalEntry> journal, MigrateOptions options)
    {
        var status = BuildStatus(journal, databaseExists: true);
        var current = status.CurrentVersion;
        if (current > Catalog.LatestVersion)
        {
            throw new StorageOperationException($"database is at version {current}; this confab knows up to {Catalog.LatestVersion}");
        }

        if (status.Migrations.FirstOrDefault(m => m.State == MigrationState.Unknown) is { } unknown)
        {
            throw new StorageOperationException($"applied migration {unknown.Version:D4}_{unknown.Name} has no file in this confab; refusing to migrate");
        }

        if (!options.AllowDrift && status.Migrations.FirstOrDefault(m => m.State == MigrationState.Drift) is { } drift)
        {
            throw new StorageOperationException(
                $"migration {drift.Version:D4}_{drift.Name} changed after it was applied (drift); see `confab db status`, "
                + "run `confab db repair --yes` after a deliberate edit, or pass --allow-drift");
        }

        var target = options.TargetVersion ?? Catalog.LatestVersion;
        if (target < current)
        {
            throw new StorageOperationException($"database is at version {current}, above --to {target}; use `confab db rollback --to {target}`");
        }

        var pending = status.Migrations
            .Where(m => m.State == MigrationState.Pending && m.Version <= target && (options.OnlyVersions?.Contains(m.Version) ?? true))
            .ToList();
        if (!options.AllowOutOfOrder && pending.FirstOrDefault(m => m.OutOfOrder) is { } early)
        {
            throw new StorageOperationException(
                $"migration {early.Version:D4}_{early.Name} is pending but version {current} is already applied; pass --allow-out-of-order to apply it");
        }

        return pending.Select(m => Catalog.Find(m.Version)!)
            .Select(m => new MigrationStep(m, MigrationDirection.Up, SqlScript.Split(m.UpSql), InTransaction(m.UpInTransaction)))
            .ToList();
    }

    private List<MigrationStep> PlanDown(IReadOnlyList<JournalEntry> journal, RollbackOptions options)
    {
        var newestFirst = journal.OrderByDescending(e => e.Version).ToList();
        var undo = options.TargetVersion is { } target
            ? newestFirst.Where(e => e.Version > target).ToList()
            : newestFirst.Take(options.Steps).ToList();
        var steps = new List<MigrationStep>();
        foreach (var entry in undo)
        {
            var migration = Catalog.Find(entry.Version)
                ?? throw new StorageOperationException($"applied migration {entry.Version:D4}_{entry.Name} has no down file in this confab; cannot roll it back");
            steps.Add(new MigrationStep(migration, MigrationDirection.Down, SqlScript.Split(migration.DownSql), InTransaction(migration.DownInTransaction)));
        }

        return steps;
    }

    // SQLite has no statement that must run outside a transaction, and its write lock is what makes runs exclusive.
    private bool InTransaction(bool requested) => requested || database.Engine == DatabaseEngine.Sqlite;

    private MigrationStatusReport BuildStatus(IReadOnlyList<JournalEntry> journal, bool databaseExists)
    {
        var applied = journal.ToDictionary(e => e.Version);
        var current = journal.Count == 0 ? 0 : journal.Max(e => e.Version);
        var rows = new List<MigrationStatusRow>();
        foreach (var migration in Catalog.Migrations)
        {
            if (applied.Remove(migration.Version, out var entry))
            {
                var state = entry.Checksum == migration.Checksum ? MigrationState.Applied : MigrationState.Drift;
                rows.Add(new MigrationStatusRow(migration.Version, migration.Name, state, entry.AppliedAt, entry.ExecutionMs, false));
            }
            else
            {
                rows.Add(new MigrationStatusRow(migration.Version, migration.Name, MigrationState.Pending, null, null, migration.Version < current));
            }
        }

        rows.AddRange(applied.Values.Select(e => new MigrationStatusRow(e.Version, e.Name, MigrationState.Unknown, e.AppliedAt, e.ExecutionMs, false)));
        return new MigrationStatusReport(rows.OrderBy(r => r.Version).ToList(), current, Catalog.LatestVersion, databaseExists);
    }

    private async Task<MigrationStep> RunStepAsync(MigrationStep step, CancellationToken cancellationToken)
    {
        if (!step.InTransaction && step.Statements.Count != 1)
        {
            throw new StorageOperationException($"{step.File} runs outside a transaction and so must hold exactly one statement (it holds {step.Statements.Count})");
        }

        var clock = Stopwatch.StartNew();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = step.InTransaction
            ? await connection.BeginTransactionAsync(database.Engine == DatabaseEngine.Sqlite ? IsolationLevel.Serializable : IsolationLevel.ReadCommitted, cancellationToken)
            : null;
        if (database.Engine == DatabaseEngine.Sqlite && await AlreadyDoneAsync(connection, transaction, step, cancellationToken))
        {
            MigrationLog.AppliedElsewhere(logger, step.Migration.Id);
            return step with { DoneByOtherRunner = true };
        }

        await ExecuteAsync(connection, transaction, step.Statements, step.File, cancellationToken);
        if (step.Direction == MigrationDirection.Up)
        {
            await dialect.RecordAsync(connection, transaction, step.Migration, clock.ElapsedMilliseconds, cancellationToken);
        }
        else
        {
            await dialect.ForgetAsync(connection, transaction, step.Migration.Version, cancellationToken);
        }

        if (transaction is not null)
        {
            await transaction.CommitAsync(cancellationToken);
        }

        var elapsed = clock.ElapsedMilliseconds;
        if (step.Direction == MigrationDirection.Up)
        {
            MigrationLog.Applied(logger, step.Migration.Id, elapsed);
        }
        else
        {
            MigrationLog.RolledBack(logger, step.Migration.Id, elapsed);
        }

        return step with { ElapsedMs = elapsed };
    }

    // Under SQLite's write lock: did a runner that held it before us already do this step?
    private async Task<bool> AlreadyDoneAsync(DbConnection connection, DbTransaction? transaction, MigrationStep step, CancellationToken cancellationToken)
    {
        var journal = await dialect.ReadJournalAsync(connection, transaction, cancellationToken);
        var applied = journal.Any(e => e.Version == step.Migration.Version);
        return step.Direction == MigrationDirection.Up ? applied : !applied;
    }

    private async Task ExecuteAsync(
        DbConnection connection, DbTransaction? transaction, IReadOnlyList<SqlStatement> statements, string file, CancellationToken cancellationToken)
    {
        foreach (var statement in statements)
        {
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = statement.Text;
            if (database.Engine == DatabaseEngine.Postgres)
            {
                command.CommandTimeout = 0;
            }

            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (DbException ex)
            {
                MigrationLog.Failed(logger, ex, file, file, statement.Line);
                var state = transaction is null ? "it ran outside a transaction, so check for a half-built object" : "it was rolled back";
                throw new MigrationFailedException(
                    $"{file} failed at line {statement.Line} and {state}: {statement.Summary}\n{database.Engine.Name()}: {EngineMessage(ex)}", ex);
            }
        }
    }

    private static string EngineMessage(DbException ex) => ex switch
    {
        Npgsql.PostgresException pg => $"{pg.MessageText} (SQLSTATE {pg.SqlState})",
        Microsoft.Data.Sqlite.SqliteException lite => lite.Message,
        _ => ex.Message,
    };
}
