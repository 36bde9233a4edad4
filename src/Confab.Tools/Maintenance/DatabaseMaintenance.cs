using System.Diagnostics;
using Confab.Chat.Housekeeping;
using Confab.Chat.Retention;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Tools.Maintenance;

/// <summary>What <c>confab db maintain</c> was asked for.</summary>
public sealed class MaintenanceRequest
{
    /// <summary>List what would be done, and how much it would remove, without changing anything.</summary>
    public bool DryRun { get; init; }

    /// <summary>SQLite: rewrite the whole file with VACUUM to return free pages to the file system (the server waits meanwhile).</summary>
    public bool Vacuum { get; init; }

    /// <summary>Rebuild the search structures (SQLite FTS5 index; PostgreSQL GIN indexes, concurrently).</summary>
    public bool RebuildSearch { get; init; }

    /// <summary>The server's retention setting (Retention:MaxAgeDays); 0 keeps messages unless a conversation sets its own limit.</summary>
    public int RetentionDays { get; init; }

    public HousekeepingPolicy Housekeeping { get; init; } = new();
}

/// <summary>One thing maintenance did (or, in a dry run, would do) and why.</summary>
public sealed record MaintenanceStep(string Action, string Reason)
{
    public long? Rows { get; init; }

    public bool Done { get; init; }

    public double Seconds { get; init; }
}

/// <summary>
/// Maintenance of a Confab database: the engine's (VACUUM (ANALYZE) of tables whose statistics say they need it on
/// PostgreSQL; optimize, checkpoint, incremental or full vacuum on SQLite), the chat's (finished sessions, spent and
/// stale prekeys, retention), and on request a rebuild of the search structures.
/// </summary>
public sealed class DatabaseMaintenance(ConfabDatabase database, TimeProvider clock)
{
    public async Task<IReadOnlyList<MaintenanceStep>> RunAsync(MaintenanceRequest options, IProgress<MaintenanceStep>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!await database.ExistsAsync(cancellationToken))
        {
            throw Storage.StorageErrors.Missing(database.Target);
        }

        var steps = new List<MaintenanceStep>();
        async Task Step(string action, string reason, Func<Task<long?>> work)
        {
            var watch = Stopwatch.StartNew();
            var rows = await work();
            var step = new MaintenanceStep(action, reason) { Rows = rows, Done = !options.DryRun, Seconds = watch.Elapsed.TotalSeconds };
            steps.Add(step);
            progress?.Report(step);
        }

        var housekeeping = new Housekeeping(database, clock);
        await Step("purge sessions", $"session families ended more than {options.Housekeeping.SessionGrace.TotalDays:0} days ago",
            async () => await housekeeping.PurgeSessionsAsync(options.Housekeeping, options.DryRun, cancellationToken));
        await Step("purge prekeys", $"one-time prekeys claimed more than {options.Housekeeping.ClaimedPrekeyAge.TotalDays:0} days ago or unclaimed for {options.Housekeeping.UnclaimedPrekeyAge.TotalDays:0}",
            async () => await housekeeping.PurgePrekeysAsync(options.Housekeeping, options.DryRun, cancellationToken));
        await Step("apply retention", options.RetentionDays > 0 ? $"messages older than {options.RetentionDays} days, or a conversation's own limit" : "conversations with their own limit (no global limit set)",
            async () => options.DryRun ? null : await new RetentionSweeper(database, new RetentionPolicy(options.RetentionDays), clock).SweepAsync(cancellationToken));

        foreach (var (action, reason, sql) in await EnginePlanAsync(options, cancellationToken))
        {
            await Step(action, reason, async () =>
            {
                if (!options.DryRun)
                {
                    await ExecuteAsync(sql, cancellationToken);
                }

                return null;
            });
        }

        return steps;
    }

    private async Task<IReadOnlyList<(string Action, string Reason, string Sql)>> EnginePlanAsync(MaintenanceRequest options, CancellationToken cancellationToken) =>
        database.Engine == DatabaseEngine.Postgres ? await PostgresPlanAsync(options, cancellationToken) : await SqlitePlanAsync(options, cancellationToken);

    private async Task<IReadOnlyList<(string, string, string)>> PostgresPlanAsync(MaintenanceRequest options, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);

        // Sooner than autovacuum's defaults (20% dead, 10% changed), so a manual run catches what it has not reached yet.
        var rows = await connection.QueryAsync<(string Table, long Live, long Dead, long Modified, bool NeverAnalyzed)>(new CommandDefinition(
            """
            SELECT relname, n_live_tup, n_dead_tup, n_mod_since_analyze, last_analyze IS NULL AND last_autoanalyze IS NULL
            FROM pg_stat_user_tables WHERE schemaname = 'public' ORDER BY relname
            """, cancellationToken: cancellationToken));
        var plan = new List<(string, string, string)>();
        foreach (var row in rows)
        {
            var reason = row.Dead > 50 + row.Live / 10 ? $"{row.Dead:N0} dead rows beside {row.Live:N0} live"
                : row.Modified > 50 + row.Live / 20 ? $"{row.Modified:N0} rows changed since the last ANALYZE"
                : row.NeverAnalyzed && row.Live + row.Modified > 0 ? "never analyzed"
                : null;
            if (reason is not null)
            {
                plan.Add(($"VACUUM (ANALYZE) {row.Table}", reason, $"VACUUM (ANALYZE) {PostgresDatabase.QuoteIdentifier(row.Table)}"));
            }
        }

        if (options.RebuildSearch)
        {
            plan.Add(("REINDEX search indexes", "asked for (--rebuild-search)", "REINDEX INDEX CONCURRENTLY messages_body_fts_idx; REINDEX INDEX CONCURRENTLY messages_body_trgm_idx"));
        }

        return plan;
    }

    private async Task<IReadOnlyList<(string, string, string)>> SqlitePlanAsync(MaintenanceRequest options, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var autoVacuum = await connection.ExecuteScalarAsync<long>(new CommandDefinition("PRAGMA auto_vacuum", cancellationToken: cancellationToken));
        var free = await connection.ExecuteScalarAsync<long>(new CommandDefinition("PRAGMA freelist_count", cancellationToken: cancellationToken));
        var plan = new List<(string, string, string)> { ("PRAGMA optimize", "refreshes planner statistics that went stale", "PRAGMA optimize") };
        if (options.RebuildSearch)
        {
            plan.Add(("rebuild messages_fts", "asked for (--rebuild-search)", "INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')"));
        }

        if (options.Vacuum)
        {
            plan.Add(("VACUUM", $"asked for (--vacuum); {free:N0} free pages", "VACUUM"));
        }
        else if (autoVacuum == 2 && free > 0)
        {
            plan.Add(("PRAGMA incremental_vacuum", $"{free:N0} free pages", "PRAGMA incremental_vacuum"));
        }

        // Last: what the steps above wrote goes through the WAL; the checkpoint writes it back and shrinks the file.
        plan.Add(("WAL checkpoint (TRUNCATE)", "writes the log back into the file and resets it", "PRAGMA wal_checkpoint(TRUNCATE)"));
        return plan;
    }

    private async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        foreach (var statement in sql.Split("; ", StringSplitOptions.RemoveEmptyEntries))
        {
            await using var command = connection.CreateCommand();
            command.CommandText = statement;
            command.CommandTimeout = 0;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
