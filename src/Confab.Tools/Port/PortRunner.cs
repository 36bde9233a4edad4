using System.Data.Common;
using System.Diagnostics;
using Confab.Storage;
using Confab.Storage.Engines;
using Confab.Storage.Migrations;
using Confab.Storage.Schema;
using Confab.Tools.Verification;

namespace Confab.Tools.Port;

/// <summary>
/// Moves a Confab database to another engine (or another database of the same engine) in phases — preflight,
/// schema, copy, build, sequences, verify — or, with --incremental, brings an earlier port up to date. Every phase
/// is recorded in the report; the target's bookkeeping tables make every phase resumable.
/// </summary>
public sealed partial class PortRunner(ConfabDatabase source, ConfabDatabase target, PortOptions options, IPortProgress? progress = null)
{
    private readonly IPortProgress progress = progress ?? NoPortProgress.Instance;
    private PortReport report = null!;

    public async Task<PortReport> RunAsync(CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var mode = options.DryRun ? "dry-run" : options.Incremental ? "incremental" : options.Resume ? "resume" : "full";
        report = new PortReport { Source = source.Target.Display, Target = target.Target.Display, Mode = mode };
        var clock = Stopwatch.StartNew();
        try
        {
            var preflight = await PhaseAsync("preflight", () => PreflightAsync(cancellationToken));
            if (options.DryRun)
            {
                report.Outcome = "planned";
                return report;
            }

            var tables = await PhaseAsync("schema", () => PrepareTargetAsync(preflight, cancellationToken));
            if (preflight.Incremental)
            {
                await PhaseAsync("sync", () => WithRetriesAsync("sync", () => new IncrementalSync(source, target, tables, preflight.Rejects, options, progress, report).RunAsync(cancellationToken), cancellationToken));
            }
            else
            {
                await PhaseAsync("copy", () => WithRetriesAsync("copy", () => CopyAsync(tables, preflight.Rejects, cancellationToken), cancellationToken));
                await PhaseAsync("build", () => WithRetriesAsync("build", () => BuildAsync(cancellationToken), cancellationToken));
            }

            await PhaseAsync("sequences", () => FinishAsync(tables, cancellationToken));
            if (options.Verify)
            {
                report.Verify = await PhaseAsync("verify", () => DatabaseVerifier.VerifyAsync(source, target, progress, cancellationToken, preflight.Rejects.Keys));
            }

            report.Outcome = report.Verify is { Matches: false } ? "differences" : "complete";
            return report;
        }
        catch (OperationCanceledException)
        {
            report.Outcome = "stopped";
            throw;
        }
        catch (Exception ex) when (ex is ConfabStorageException)
        {
            report.Outcome = "failed: " + ex.Message;
            throw;
        }
        finally
        {
            report.Seconds = clock.Elapsed.TotalSeconds;
        }
    }

    /// <summary>The report so far, also after a failure or a stop.</summary>
    public PortReport Report => report;

    private async Task<T> PhaseAsync<T>(string name, Func<Task<T>> body)
    {
        progress.PhaseStarted(name);
        var clock = Stopwatch.StartNew();
        var result = await body();
        report.Phases.Add(new PhaseReport(name, clock.Elapsed.TotalSeconds, null));
        return result;
    }

    private Task PhaseAsync(string name, Func<Task> body) => PhaseAsync(name, async () =>
    {
        await body();
        return true;
    });

    /// <summary>
    /// Retries a phase after a transient failure (a lost connection, a full disk, a busy file) with doubling back-off.
    /// Work committed before the failure stays: the phase picks up from the target's bookkeeping.
    /// </summary>
    private async Task<T> WithRetriesAsync<T>(string phase, Func<Task<T>> body, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await body();
            }
            catch (Exception ex) when (PortFailures.IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                if (attempt >= options.Retries)
                {
                    throw new StorageOperationException(
                        $"the {phase} phase stopped after {attempt + 1} attempts: {PortFailures.Describe(ex)}. Everything committed so far is in the "
                        + "target with its checkpoints; fix the cause and run the same command with --resume (or --incremental for a sync).",
                        ex);
                }

                var delay = options.RetryDelay * Math.Pow(2, attempt);
                report.Notes.Add($"{phase}: {PortFailures.Describe(ex)}; retrying in {delay.TotalSeconds:0.#} s");
                await Task.Delay(delay, cancellationToken);
                Npgsql.NpgsqlConnection.ClearAllPools();
            }
        }
    }

    private Task WithRetriesAsync(string phase, Func<Task> body, CancellationToken cancellationToken) =>
        WithRetriesAsync(phase, async () =>
        {
            await body();
            return true;
        }, cancellationToken);

    private async Task<DbConnection> OpenTargetForWritingAsync(CancellationToken cancellationToken)
    {
        var connection = await target.OpenConnectionAsync(cancellationToken);
        if (target.Engine == DatabaseEngine.Sqlite)
        {
            // Rows arrive parents first, but a reply may precede the message it answers; foreign keys are checked
            // once at the end (PRAGMA foreign_key_check) instead of row by row.
            foreach (var pragma in Storage.Bulk.BulkLoadDeferral.SqliteBuildSettings.Append("PRAGMA foreign_keys = OFF"))
            {
                await using var command = connection.CreateCommand();
                command.CommandText = pragma;
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        return connection;
    }

    private static async Task<long> CountAsync(DbConnection connection, string table, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {PortTable.Quote(table)}";
        command.CommandTimeout = 0;
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static Task<SchemaModel> SchemaAsync(ConfabDatabase database, CancellationToken cancellationToken) =>
        SchemaReader.ReadAsync(database, cancellationToken);

    private MigrationRunner Runner(ConfabDatabase database, MigrationCatalog? catalog) => new(database, catalog);
}
