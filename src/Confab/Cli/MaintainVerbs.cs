using System.CommandLine;
using System.Globalization;
using Confab.Storage.Engines;
using Confab.Tools.Maintenance;
using Spectre.Console;

namespace Confab.Cli;

/// <summary><c>db maintain</c> and <c>db stats</c>.</summary>
internal static class MaintainVerbs
{
    public static Command Maintain(CliContext context)
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "List what would be done and how many rows it would remove; change nothing" };
        var vacuum = new Option<bool>("--vacuum") { Description = "SQLite: rewrite the file with VACUUM to give free pages back (the server waits meanwhile)" };
        var rebuild = new Option<bool>("--rebuild-search") { Description = "Rebuild the search structures (SQLite FTS5; PostgreSQL GIN indexes, concurrently)" };
        var retention = new Option<int?>("--retention-days") { Description = "Expire messages older than D days (default: Retention:MaxAgeDays from $CONFAB_RETENTION__MAXAGEDAYS, else 0 = keep)", HelpName = "D" };
        var json = new Option<bool>("--json") { Description = "Print the steps as JSON" };
        var command = new Command(
            "maintain",
            "Maintenance: VACUUM (ANALYZE) where the statistics say so (PostgreSQL); optimize, WAL checkpoint, incremental vacuum (SQLite); "
            + "purge finished sessions and spent prekeys; apply retention; rebuild search when asked. Safe while the server runs.")
        {
            dryRun, vacuum, rebuild, retention, json,
        };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            var days = parse.GetValue(retention) ?? (int.TryParse(context.Environment("CONFAB_RETENTION__MAXAGEDAYS"), NumberStyles.None, CultureInfo.InvariantCulture, out var d) ? d : 0);
            if (days < 0)
            {
                throw new CliUsageException("--retention-days must be 0 or more");
            }

            var options = new MaintenanceRequest { DryRun = parse.GetValue(dryRun), Vacuum = parse.GetValue(vacuum), RebuildSearch = parse.GetValue(rebuild), RetentionDays = days };
            await using var database = ConfabDatabase.Open(ConfabCli.ResolveTarget(context, parse));
            var quiet = parse.GetValue(json);
            var steps = await new DatabaseMaintenance(database, TimeProvider.System).RunAsync(
                options,
                quiet ? null : new SynchronousProgress(step => context.Line(
                    $"{(step.Done ? "[green]done[/]" : "[yellow]would[/]")} {CliOutput.Esc(step.Action)}"
                    + (step.Rows is { } rows ? $": {rows:N0} row(s)" : string.Empty)
                    + $" [grey]({CliOutput.Esc(step.Reason)}; {step.Seconds:0.00} s)[/]")),
                ct);
            if (quiet)
            {
                context.WriteJson(new { database = database.Target.Display, dryRun = options.DryRun, steps });
            }
            else
            {
                context.Line(options.DryRun ? "Dry run: nothing was changed." : $"{steps.Count} maintenance step(s) done on {CliOutput.Esc(database.Target.Display)}.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    public static Command Stats(CliContext context)
    {
        var days = new Option<int>("--days") { Description = "Days of messages-per-day to show", DefaultValueFactory = _ => 30, HelpName = "N" };
        var json = new Option<bool>("--json") { Description = "Print the statistics as JSON" };
        var command = new Command("stats", "Sizes and row counts per table, the database's size, and messages per day.") { days, json };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            if (parse.GetValue(days) is < 1 or > 3660)
            {
                throw new CliUsageException("--days must be between 1 and 3660");
            }

            await using var database = ConfabDatabase.Open(ConfabCli.ResolveTarget(context, parse));
            var stats = await DatabaseStats.CollectAsync(database, parse.GetValue(days), TimeProvider.System, ct);
            if (parse.GetValue(json))
            {
                context.WriteJson(stats);
                return ExitCodes.Success;
            }

            var tables = new Table().Border(TableBorder.Rounded).AddColumns("Table", "Rows", "Table size", "Index size");
            foreach (var t in stats.Tables.OrderByDescending(t => (t.Bytes ?? 0) + (t.IndexBytes ?? 0)).ThenByDescending(t => t.Rows))
            {
                tables.AddRow(CliOutput.Esc(t.Name), t.Rows.ToString("N0", CultureInfo.InvariantCulture), Size(t.Bytes), Size(t.IndexBytes));
            }

            context.Out.Write(tables);
            var perDay = new Table().Border(TableBorder.Rounded).AddColumns("Day (UTC)", "Messages", "Senders");
            foreach (var day in stats.MessagesPerDay)
            {
                perDay.AddRow(day.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), day.Messages.ToString("N0", CultureInfo.InvariantCulture), day.Senders.ToString("N0", CultureInfo.InvariantCulture));
            }

            context.Out.Write(perDay);
            context.Line($"{CliOutput.Esc(stats.Database)} ({stats.Engine}): {Size(stats.DatabaseBytes)}, {stats.Tables.Sum(t => t.Rows):N0} rows; "
                + $"{stats.MessagesPerDay.Sum(d => d.Messages):N0} messages in the last {parse.GetValue(days)} day(s)"
                + (stats.Tables.All(t => t.Bytes is null) ? " (this SQLite library has no dbstat, so sizes per table are not shown)" : string.Empty));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static string Size(long? bytes) => bytes is { } b ? Tools.ByteSize.Format(b) : "-";

    /// <summary>Reports on the caller's thread, in order (Progress&lt;T&gt; posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<MaintenanceStep> report) : IProgress<MaintenanceStep>
    {
        public void Report(MaintenanceStep value) => report(value);
    }
}
