using System.Data;
using System.Data.Common;
using Confab.Storage;
using Confab.Storage.Bulk;
using Confab.Storage.Engines;
using Confab.Storage.Migrations;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Confab.Tools.Port;

public sealed partial class PortRunner
{
    /// <summary>
    /// Migrates the target to the source's version, matches the two schemas, and on a fresh port records the source
    /// and drops what is cheaper to build after the data (secondary indexes, foreign keys, search triggers) in one
    /// transaction with the list of builds that put it back.
    /// </summary>
    private async Task<IReadOnlyList<PortTable>> PrepareTargetAsync(Preflight preflight, CancellationToken cancellationToken)
    {
        await target.EnsureCreatedAsync(cancellationToken);
        await Runner(target, options.TargetCatalog).MigrateAsync(new MigrateOptions { TargetVersion = preflight.SourceVersion }, cancellationToken);
        var tables = PortSchema.Plan(await SchemaAsync(source, cancellationToken), await SchemaAsync(target, cancellationToken));
        await using var connection = await target.OpenConnectionAsync(cancellationToken);
        await PortState.CreateAsync(connection, cancellationToken);
        if (!preflight.Fresh)
        {
            return tables;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var plan = await BulkLoadDeferral.PlanAsync(connection, transaction, tables.Select(t => t.Name).ToList(), cancellationToken);
        foreach (var statement in plan.Drop)
        {
            await connection.ExecuteAsync(new CommandDefinition(statement, transaction: transaction, cancellationToken: cancellationToken));
        }

        await PortState.AddStepsAsync(connection, transaction, plan.Builds.Select((b, i) => new BuildStep(i + 1, b.Table, b.Kind, b.Sql, false)), cancellationToken);
        foreach (var (name, value) in new[]
        {
            ("source", preflight.Fingerprint), ("source_display", source.Target.Display), ("version", preflight.SourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("phase", "copy"), ("started_at", PortState.Now()), ("rejected", preflight.Rejects.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        })
        {
            await PortState.SetAsync(connection, transaction, name, value, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return tables;
    }

    /// <summary>
    /// Copies every table not finished yet, all from one read snapshot of the source, so the rows copied in one run
    /// agree with each other (no child without its parent) even while the source keeps taking writes.
    /// </summary>
    private async Task CopyAsync(IReadOnlyList<PortTable> tables, RejectSet rejects, CancellationToken cancellationToken)
    {
        await using var sourceConnection = await source.OpenConnectionAsync(cancellationToken);
        await using var snapshot = await SourceSnapshot.BeginAsync(sourceConnection, cancellationToken);
        await using var targetConnection = await OpenTargetForWritingAsync(cancellationToken);
        var done = await PortState.TablesAsync(targetConnection, cancellationToken);
        var copier = new TableCopier(sourceConnection, snapshot.Transaction, targetConnection, options.BatchSize, progress);
        foreach (var table in tables)
        {
            var start = done.GetValueOrDefault(table.Name) ?? new TableProgress(null, 0, false);
            var tableReport = report.Table(table.Name);
            if (start.Done)
            {
                continue;
            }

            progress.WorkStarted("copy", table.Name, tableReport.SourceRows);
            await copier.CopyAsync(table, start, rejects, tableReport, cancellationToken);
            progress.WorkFinished("copy", table.Name);
        }

        await PortState.SetAsync(targetConnection, null, "phase", "build", cancellationToken);
    }

    /// <summary>
    /// Runs the deferred builds not done yet, each in its own transaction with its done mark: indexes (in parallel
    /// on PostgreSQL with --jobs), then search structures and triggers, then foreign keys, then statistics.
    /// </summary>
    private async Task BuildAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<BuildStep> steps;
        await using (var connection = await target.OpenConnectionAsync(cancellationToken))
        {
            steps = (await PortState.StepsAsync(connection, null, cancellationToken)).Where(s => !s.Done).ToList();
        }

        var parallel = target.Engine == DatabaseEngine.Postgres ? options.Jobs : 1;
        foreach (var group in steps.GroupBy(s => s.Kind switch
        {
            DeferredBuild.Index => 0,
            DeferredBuild.Search or DeferredBuild.Trigger => 1,
            DeferredBuild.Constraint => 2,
            _ => 3,
        }).OrderBy(g => g.Key))
        {
            // Foreign keys lock both tables they join; they run one at a time.
            var workers = group.Key == 2 ? 1 : parallel;
            var queue = new System.Collections.Concurrent.ConcurrentQueue<BuildStep>(group.OrderByDescending(s => s.Table == "messages").ThenBy(s => s.Ordinal));
            await Task.WhenAll(Enumerable.Range(0, Math.Min(workers, Math.Max(1, queue.Count))).Select(_ => BuildWorkerAsync(queue, cancellationToken)));
        }

        await using var target2 = await target.OpenConnectionAsync(cancellationToken);
        if (target.Engine == DatabaseEngine.Sqlite)
        {
            var dangling = (await target2.QueryAsync<string>(new CommandDefinition("SELECT \"table\" FROM pragma_foreign_key_check LIMIT 5", cancellationToken: cancellationToken))).ToList();
            if (dangling.Count > 0)
            {
                throw new StorageOperationException($"foreign keys do not hold in the target ({string.Join(", ", dangling)}); run `confab db verify` to see the rows");
            }
        }

        await PortState.SetAsync(target2, null, "phase", "sequences", cancellationToken);
    }

    private async Task BuildWorkerAsync(System.Collections.Concurrent.ConcurrentQueue<BuildStep> queue, CancellationToken cancellationToken)
    {
        await using var connection = await OpenTargetForWritingAsync(cancellationToken);
        while (queue.TryDequeue(out var step))
        {
            progress.WorkStarted("build", $"{step.Kind} {step.Table}", 1);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (connection is NpgsqlConnection)
            {
                await connection.ExecuteAsync(new CommandDefinition(BulkLoadDeferral.PostgresBuildSetting, transaction: transaction, cancellationToken: cancellationToken));
            }

            await connection.ExecuteAsync(new CommandDefinition(step.Statement, transaction: transaction, commandTimeout: 0, cancellationToken: cancellationToken));
            await PortState.MarkStepDoneAsync(connection, transaction, step.Ordinal, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            progress.Advanced("build", $"{step.Kind} {step.Table}", 1);
            progress.WorkFinished("build", $"{step.Kind} {step.Table}");
        }
    }

    /// <summary>Identity sequences past the highest copied value, counters checked against the logs, and the pass recorded.</summary>
    private async Task FinishAsync(IReadOnlyList<PortTable> tables, CancellationToken cancellationToken)
    {
        await using var connection = await target.OpenConnectionAsync(cancellationToken);
        foreach (var table in tables)
        {
            foreach (var column in table.Target.Columns.Where(c => c.Identity))
            {
                var sql = target.Engine == DatabaseEngine.Postgres
                    ? $"SELECT setval(pg_get_serial_sequence('{table.Name}', '{column.Name}'), coalesce(max({PortTable.Quote(column.Name)}), 0) + 1, false) FROM {PortTable.Quote(table.Name)}"
                    : $"UPDATE sqlite_sequence SET seq = max(seq, coalesce((SELECT max({PortTable.Quote(column.Name)}) FROM {PortTable.Quote(table.Name)}), 0)) WHERE name = '{table.Name}'";
                if (target.Engine == DatabaseEngine.Sqlite && !table.Target.Definition!.Contains("AUTOINCREMENT", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                await connection.ExecuteAsync(new CommandDefinition(sql, cancellationToken: cancellationToken));
            }
        }

        var problems = await PortCounters.CheckAsync(connection, tables, cancellationToken);
        if (problems.Count > 0)
        {
            throw new StorageOperationException("counters in the target do not match its logs: " + string.Join("; ", problems));
        }

        var state = await PortState.ReadAsync(connection, cancellationToken);
        var passes = int.Parse(state.GetValueOrDefault("passes", "0"), System.Globalization.CultureInfo.InvariantCulture) + 1;
        await PortState.SetAsync(connection, null, "passes", passes.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        await PortState.SetAsync(connection, null, "last_pass_at", PortState.Now(), cancellationToken);
        await PortState.SetAsync(connection, null, "phase", "complete", cancellationToken);
    }
}
