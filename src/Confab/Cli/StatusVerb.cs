using System.CommandLine;
using Confab.Storage.Engines;
using Confab.Storage.Migrations;
using Spectre.Console;

namespace Confab.Cli;

/// <summary><c>db status</c>: every migration with its state, and the current version. Exit 1 on drift or unknown migrations.</summary>
internal static class StatusVerb
{
    public static Command Build(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("status", "Show every migration: applied (when, how long), pending, drift, unknown.") { json };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            var target = ConfabCli.ResolveTarget(context, parse);
            await using var database = ConfabDatabase.Open(target);
            var report = await new MigrationRunner(database).StatusAsync(ct);
            if (parse.GetValue(json))
            {
                context.WriteJson(new
                {
                    database = target.Display,
                    engine = target.Engine.Name(),
                    report.CurrentVersion,
                    report.LatestKnownVersion,
                    report.PendingCount,
                    report.HasDrift,
                    migrations = report.Migrations,
                });
            }
            else
            {
                Render(context, target, report);
            }

            return report.HasDrift || report.HasUnknown ? ExitCodes.Problem : ExitCodes.Success;
        }));
        return command;
    }

    private static void Render(CliContext context, DatabaseTarget target, MigrationStatusReport report)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .AddColumns("Version", "Name", "State", "Applied at (UTC)", "Took");
        foreach (var row in report.Migrations)
        {
            var state = row.State switch
            {
                MigrationState.Applied => "[green]applied[/]",
                MigrationState.Pending when row.OutOfOrder => "[yellow]pending (out of order)[/]",
                MigrationState.Pending => "[yellow]pending[/]",
                MigrationState.Drift => "[red]drift: file changed after it was applied[/]",
                _ => "[red]unknown: applied, no file in this confab[/]",
            };
            table.AddRow(row.Version.ToString("D4", System.Globalization.CultureInfo.InvariantCulture), CliOutput.Esc(row.Name), state,
                CliOutput.Instant(row.AppliedAt), CliOutput.Duration(row.ExecutionMs));
        }

        context.Out.Write(table);
        context.Line($"{CliOutput.Esc(target.Display)} is at version [bold]{report.CurrentVersion}[/]; this confab knows up to {report.LatestKnownVersion}; {report.PendingCount} pending.");
    }
}
