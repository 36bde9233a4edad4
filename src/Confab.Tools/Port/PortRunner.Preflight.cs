using System.Globalization;
using Confab.Storage;
using Confab.Storage.Engines;
using Confab.Storage.Migrations;
using Confab.Storage.Verification;
using Dapper;

namespace Confab.Tools.Port;

public sealed partial class PortRunner
{
    /// <summary>Rows per second assumed for the dry run's estimate (measured by bench/port on 2 cores).</summary>
    private const double EstimatedRowsPerSecond = 150_000;

    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    private sealed record Preflight(long SourceVersion, string Fingerprint, bool Incremental, bool Fresh, RejectSet Rejects);

    private async Task<Preflight> PreflightAsync(CancellationToken cancellationToken)
    {
        if (!await source.ExistsAsync(cancellationToken))
        {
            throw StorageErrors.Missing(source.Target);
        }

        await using var connection = await source.OpenConnectionAsync(cancellationToken);

        // quick_check reads every page of the file; it runs on its own connection beside the row scan, and the port
        // goes no further than the preflight until it has answered.
        var integrity = source.Engine == DatabaseEngine.Sqlite ? QuickCheckAsync(cancellationToken) : Task.FromResult(0.0);
        Preflight preflight;
        try
        {
            preflight = await InspectAsync(connection, cancellationToken);
        }
        finally
        {
            // A damaged file is the first thing to report, whatever else the scan ran into.
            await integrity;
        }

        if (source.Engine == DatabaseEngine.Sqlite)
        {
            var seconds = await integrity;
            report.Notes.Add(string.Create(CultureInfo.InvariantCulture, $"preflight: quick_check ok in {seconds:0.0} s"));
        }

        return preflight;
    }

    private async Task<double> QuickCheckAsync(CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await Task.Yield();
        await using var connection = await source.OpenConnectionAsync(cancellationToken);
        List<string> check;
        try
        {
            check = (await connection.QueryAsync<string>(new CommandDefinition("PRAGMA quick_check", commandTimeout: 0, cancellationToken: cancellationToken))).ToList();
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex) when (ex.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase)
        {
            check = [ex.Message];
        }

        if (check is not ["ok"])
        {
            throw new StorageOperationException(
                $"{source.Target.Display} is damaged (PRAGMA quick_check: {string.Join("; ", check.Take(5))}); nothing was copied. Restore it from a backup first.");
        }

        return clock.Elapsed.TotalSeconds;
    }

    private async Task<Preflight> InspectAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken)
    {
        var sourceStatus = await Runner(source, options.SourceCatalog).StatusAsync(cancellationToken);
        if (sourceStatus.CurrentVersion == 0)
        {
            throw new StorageOperationException($"{source.Target.Display} holds no Confab schema; there is nothing to port");
        }

        if (sourceStatus.HasUnknown || sourceStatus.HasDrift)
        {
            throw new StorageOperationException(
                $"{source.Target.Display} has {(sourceStatus.HasUnknown ? "migrations this confab does not know (it was written by a newer confab)" : "migrations whose files changed since they were applied")}; "
                + "port with the confab that matches it (see `confab db status`)");
        }

        report.SchemaVersion = sourceStatus.CurrentVersion;
        var fingerprint = await FingerprintAsync(connection, cancellationToken);
        var (incremental, fresh, previouslyRejected) = await CheckTargetAsync(sourceStatus.CurrentVersion, fingerprint, cancellationToken);
        var schema = await SchemaAsync(source, cancellationToken);
        var tables = PortSchema.Plan(schema, schema);
        var counts = new long[tables.Count];
        foreach (var table in tables)
        {
            counts[table.Order] = await CountAsync(connection, table.Name, cancellationToken);
            report.Table(table.Name).SourceRows = counts[table.Order];
        }

        // An incremental pass scans again only when the full pass rejected rows: they must stay out of the target.
        // Rows a running Confab server writes are valid by construction.
        var rejects = new RejectSet();
        if (source.Engine == DatabaseEngine.Sqlite && (!incremental || previouslyRejected > 0))
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            rejects = await new BadRowScanner(connection, tables, target.Engine == DatabaseEngine.Postgres).ScanAsync(progress, counts, cancellationToken);
            report.Notes.Add(string.Create(CultureInfo.InvariantCulture, $"preflight: rows scanned for values, references and case-insensitive duplicates in {clock.Elapsed.TotalSeconds:0.0} s"));
            await HandleBadRowsAsync(connection, tables, rejects, cancellationToken);
        }
        else if (source.Engine == DatabaseEngine.Postgres)
        {
            report.Notes.Add("preflight: PostgreSQL enforced types, encoding and foreign keys as the source was written; no row scan needed");
        }

        var total = counts.Sum();
        report.Notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"plan: {tables.Count} tables, {total:N0} rows, schema version {sourceStatus.CurrentVersion}; estimated copy time {total / EstimatedRowsPerSecond:0} s plus index builds"));
        return new Preflight(sourceStatus.CurrentVersion, fingerprint, incremental, fresh, rejects);
    }

    /// <summary>Identifies the source across runs: its engine and the moment its first migration was applied.</summary>
    private async Task<string> FingerprintAsync(System.Data.Common.DbConnection connection, CancellationToken cancellationToken)
    {
        var applied = await connection.ExecuteScalarAsync<object>(new CommandDefinition(
            $"SELECT applied_at FROM {PortSchema.MigrationJournal} ORDER BY version LIMIT 1", cancellationToken: cancellationToken));
        return $"{source.Engine.Name()}:{ContentChecksum.Canonical(applied, Storage.Schema.LogicalType.Timestamp)}";
    }

    /// <summary>The target must be empty, or hold this source's port in a state that fits the mode asked for.</summary>
    private async Task<(bool Incremental, bool Fresh, long Rejected)> CheckTargetAsync(long sourceVersion, string fingerprint, CancellationToken cancellationToken)
    {
        if (!await target.ExistsAsync(cancellationToken))
        {
            return options.Resume || options.Incremental
                ? throw new StorageOperationException($"{target.Target.Display} does not exist; there is no earlier port to continue")
                : (false, true, 0);
        }

        var status = await Runner(target, options.TargetCatalog).StatusAsync(cancellationToken);
        if (status.CurrentVersion > sourceVersion || status.HasUnknown)
        {
            throw new StorageOperationException(
                $"{target.Target.Display} is at schema version {status.CurrentVersion}, newer than the source's {sourceVersion}; a port never downgrades a schema. "
                + "Migrate the source up first (`confab db migrate`), or roll the target back.");
        }

        await using var connection = await target.OpenConnectionAsync(cancellationToken);
        var state = await PortState.ReadAsync(connection, cancellationToken);
        if (state.Count == 0)
        {
            if (options.Resume || options.Incremental)
            {
                throw new StorageOperationException($"{target.Target.Display} holds no port to {(options.Resume ? "resume" : "bring up to date")}; run a full port first");
            }

            if (status.CurrentVersion > 0)
            {
                var targetSchema = await SchemaAsync(target, cancellationToken);
                foreach (var table in PortSchema.DataTables(targetSchema))
                {
                    var rows = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                        $"SELECT count(*) FROM (SELECT 1 FROM {PortTable.Quote(table.Name)} LIMIT 1) t", cancellationToken: cancellationToken));
                    if (rows > 0)
                    {
                        throw new StorageOperationException(
                            $"{target.Target.Display} is not empty (table {table.Name} has rows) and holds no port of this source; confab ports only into an empty database");
                    }
                }
            }

            return (false, true, 0);
        }

        if (state.GetValueOrDefault("source") != fingerprint)
        {
            throw new StorageOperationException(
                $"{target.Target.Display} holds a port of another database ({state.GetValueOrDefault("source_display")}); confab will not mix two sources");
        }

        var phase = state.GetValueOrDefault("phase");
        var rejected = long.Parse(state.GetValueOrDefault("rejected", "0"), CultureInfo.InvariantCulture);
        return (phase, options) switch
        {
            ("complete", { Incremental: true }) or ("sync", { Incremental: true }) or ("sync", { Resume: true }) => (true, false, rejected),
            ("complete", { Resume: true }) => (false, false, rejected),
            ("complete", _) => throw new StorageOperationException(
                $"{target.Target.Display} already holds a complete port of this source; bring it up to date with --incremental"),
            (_, { Resume: true }) => (false, false, rejected),
            _ => throw new StorageOperationException(
                $"{target.Target.Display} holds an unfinished port of this source (stopped in its {phase} phase); continue it with --resume"),
        };
    }

    private async Task HandleBadRowsAsync(System.Data.Common.DbConnection connection, IReadOnlyList<PortTable> tables, RejectSet rejects, CancellationToken cancellationToken)
    {
        foreach (var (table, row) in rejects.All.Take(1000))
        {
            report.BadRows.Add(new BadRow(table, row.Key, string.Join("; ", row.Reasons)));
        }

        if (rejects.Count == 0)
        {
            return;
        }

        if (options.OnBadRows == BadRowPolicy.Fail)
        {
            var sample = string.Join("; ", rejects.All.Take(10).Select(r => $"{r.Table} {r.Row.Key}: {string.Join(", ", r.Row.Reasons)}"));
            throw new StorageOperationException(
                $"{rejects.Count} row(s) of the source would be rejected by the target, so nothing was written: {sample}"
                + (rejects.Count > 10 ? "; ..." : string.Empty)
                + ". Fix them in the source, or port the rest with --on-bad-rows skip --rejects FILE.");
        }

        if (!options.DryRun)
        {
            await RejectsFile.WriteAsync(options.RejectsPath!, connection, tables, rejects, cancellationToken);
            report.Notes.Add($"{rejects.Count} rejected row(s) written to {options.RejectsPath}");
        }
    }
}
