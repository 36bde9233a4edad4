using System.Data;
using System.Data.Common;
using System.Diagnostics;
using Confab.Storage.Engines;
using Confab.Storage.Sql;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Confab.Storage.Migrations;

/// <summary>
/// Applies and undoes migrations against one database, keeping the full history in <c>schema_migrations</c>.
/// Each migration runs in its own transaction together with its journal row, so a failure leaves the previous version.
/// </summary>
public sealed partial class MigrationRunner
{
    private readonly ConfabDatabase database;
    private readonly MigrationDialect dialect;
    private readonly ILogger logger;

    public MigrationRunner(ConfabDatabase database, MigrationCatalog? catalog = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        this.database = database;
        Catalog = catalog ?? MigrationCatalog.Embedded(database.Engine);
        if (Catalog.Engine != database.Engine)
        {
            throw new ArgumentException("the catalog is for another engine", nameof(catalog));
        }

        dialect = MigrationDialect.For(database);
        this.logger = logger ?? NullLogger.Instance;
    }

    public MigrationCatalog Catalog { get; }

    /// <summary>How long to wait for another runner on the same PostgreSQL database.</summary>
    public TimeSpan LockTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public async Task<MigrationStatusReport> StatusAsync(CancellationToken cancellationToken)
    {
        if (!await database.ExistsAsync(cancellationToken))
        {
            throw StorageErrors.Missing(database.Target);
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var journal = await ReadJournalIfOursAsync(connection, null, cancellationToken) ?? [];
        return BuildStatus(journal, databaseExists: true);
    }

    public async Task<MigrationRunResult> MigrateAsync(MigrateOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.TargetVersion is { } target && target != 0 && Catalog.Find(target) is null)
        {
            throw new StorageArgumentException($"there is no migration {target}; this confab knows versions 1 to {Catalog.LatestVersion}");
        }

        if (options.DryRun)
        {
            var journal = await ReadJournalForDryRunAsync(cancellationToken);
            return new MigrationRunResult(PlanUp(journal, options), CurrentVersion(journal), options.TargetVersion ?? Catalog.LatestVersion, DryRun: true);
        }

        await database.EnsureCreatedAsync(cancellationToken);
        await using var runLock = await dialect.AcquireRunLockAsync(LockTimeout, cancellationToken);
        IReadOnlyList<JournalEntry> applied;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        {
            applied = await ReadJournalIfOursAsync(connection, null, cancellationToken) ?? [];
            await ExecuteAsync(connection, null, [new SqlStatement(dialect.CreateJournalSql, 1)], "journal", cancellationToken);
        }

        var plan = PlanUp(applied, options);
        var done = new List<MigrationStep>();
        foreach (var step in plan)
        {
            done.Add(await RunStepAsync(step, cancellationToken));
        }

        var finalVersion = done.Count == 0 ? CurrentVersion(applied) : Math.Max(CurrentVersion(applied), done.Max(s => s.Migration.Version));
        return new MigrationRunResult(done, CurrentVersion(applied), finalVersion, DryRun: false);
    }

    public async Task<MigrationRunResult> RollbackAsync(RollbackOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.TargetVersion is < 0 || (options.TargetVersion is null && options.Steps < 1))
        {
            throw new StorageArgumentException("rollback needs --steps of at least 1 or --to of at least 0");
        }

        if (!await database.ExistsAsync(cancellationToken))
        {
            throw StorageErrors.Missing(database.Target);
        }

        await using var runLock = options.DryRun ? null : await dialect.AcquireRunLockAsync(LockTimeout, cancellationToken);
        IReadOnlyList<JournalEntry> applied;
        await using (var connection = await database.OpenConnectionAsync(cancellationToken))
        {
            applied = await ReadJournalIfOursAsync(connection, null, cancellationToken) ?? [];
        }

        var plan = PlanDown(applied, options);
        var from = CurrentVersion(applied);
        var to = options.TargetVersion ?? applied.Select(e => e.Version).Where(v => plan.All(s => s.Migration.Version != v)).DefaultIfEmpty(0).Max();
        if (options.DryRun)
        {
            return new MigrationRunResult(plan, from, to, DryRun: true);
        }

        var done = new List<MigrationStep>();
        foreach (var step in plan)
        {
            done.Add(await RunStepAsync(step, cancellationToken));
        }

        return new MigrationRunResult(done, from, to, DryRun: false);
    }

    /// <summary>Re-records the checksum of every applied migration whose file changed. Returns what it changed.</summary>
    public async Task<IReadOnlyList<MigrationStatusRow>> RepairAsync(CancellationToken cancellationToken)
    {
        await using var runLock = await dialect.AcquireRunLockAsync(LockTimeout, cancellationToken);
        var status = await StatusAsync(cancellationToken);
        var drifted = status.Migrations.Where(m => m.State == MigrationState.Drift).ToList();
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        foreach (var row in drifted)
        {
            await dialect.UpdateChecksumAsync(connection, row.Version, Catalog.Find(row.Version)!.Checksum, cancellationToken);
            MigrationLog.Repaired(logger, $"{row.Version:D4}_{row.Name}");
        }

        return drifted;
    }

    private async Task<IReadOnlyList<JournalEntry>> ReadJournalForDryRunAsync(CancellationToken cancellationToken)
    {
        // A dry run must not create the SQLite file or the PostgreSQL database it is asked about.
        if (!await database.ExistsAsync(cancellationToken))
        {
            return [];
        }

        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return await ReadJournalIfOursAsync(connection, null, cancellationToken) ?? [];
    }

    /// <summary>The journal, or null for an empty database; refuses a database that belongs to something else.</summary>
    private async Task<IReadOnlyList<JournalEntry>?> ReadJournalIfOursAsync(
        DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        var tables = await dialect.ListTablesAsync(connection, cancellationToken);
        if (!tables.Contains(MigrationDialect.JournalTable, StringComparer.Ordinal))
        {
            if (tables.Count > 0)
            {
                var sample = string.Join(", ", tables.Take(5)) + (tables.Count > 5 ? ", ..." : string.Empty);
                throw new StorageOperationException(
                    $"{database.Target.Display} holds {tables.Count} table(s) ({sample}) but no Confab migration journal; it belongs to another application, so confab will not touch it");
            }

            return null;
        }

        var columns = await dialect.ListColumnsAsync(connection, MigrationDialect.JournalTable, cancellationToken);
        if (!columns.SequenceEqual(MigrationDialect.JournalColumns, StringComparer.Ordinal))
        {
            throw new StorageOperationException(
                $"{database.Target.Display} has a {MigrationDialect.JournalTable} table that is not Confab's (columns: {string.Join(", ", columns)}); confab will not touch it");
        }

        return await dialect.ReadJournalAsync(connection, transaction, cancellationToken);
    }

    private static long CurrentVersion(IReadOnlyList<JournalEntry> journal) => journal.Count == 0 ? 0 : journal.Max(e => e.Version);
}
