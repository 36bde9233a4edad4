using System.CommandLine;
using Confab.Storage.Engines;
using Confab.Tools.Health;
using Spectre.Console;

namespace Confab.Cli;

/// <summary><c>db doctor</c>: the health report. Exit 1 when anything is critical.</summary>
internal static class DoctorVerb
{
    public static Command Build(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var longRunning = new Option<int>("--long-running-seconds") { Description = "Report statements running longer than this (PostgreSQL)", DefaultValueFactory = _ => 60, HelpName = "S" };
        var idle = new Option<int>("--idle-in-transaction-seconds") { Description = "Report sessions idle in a transaction longer than this (PostgreSQL)", DefaultValueFactory = _ => 60, HelpName = "S" };
        var command = new Command(
            "doctor",
            "Health report: each finding with a severity and a suggested fix (PostgreSQL: connections, long and idle-in-transaction sessions, cache hits, "
            + "sizes, unused and duplicate indexes, foreign keys without an index, dead rows and bloat, sequences, slow statements, replication; "
            + "SQLite: quick_check, pages, WAL, pragmas, sizes, indexes; both: migrations). Exit 1 when anything is critical.")
        {
            json, longRunning, idle,
        };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            if (parse.GetValue(longRunning) < 1 || parse.GetValue(idle) < 1)
            {
                throw new CliUsageException("--long-running-seconds and --idle-in-transaction-seconds must be at least 1");
            }

            var options = new DoctorOptions
            {
                LongRunning = TimeSpan.FromSeconds(parse.GetValue(longRunning)),
                IdleInTransaction = TimeSpan.FromSeconds(parse.GetValue(idle)),
            };
            await using var database = ConfabDatabase.Open(ConfabCli.ResolveTarget(context, parse));
            var report = await DatabaseDoctor.ExamineAsync(database, options, ct);
            if (parse.GetValue(json))
            {
                context.WriteJson(report);
            }
            else
            {
                Render(context, report);
            }

            return report.HasCritical ? ExitCodes.Problem : ExitCodes.Success;
        }));
        return command;
    }

    private static void Render(CliContext context, HealthReport report)
    {
        foreach (var finding in report.Findings.OrderByDescending(f => f.Severity))
        {
            var mark = finding.Severity switch
            {
                Severity.Critical => "[red bold]CRITICAL[/]",
                Severity.Warning => "[yellow]warning [/]",
                Severity.Info => "[blue]info    [/]",
                _ => "[green]ok      [/]",
            };
            context.Line($"{mark} [bold]{CliOutput.Esc(finding.Check)}[/]: {CliOutput.Esc(finding.Summary)}");
            foreach (var detail in finding.Details)
            {
                context.Line($"           {CliOutput.Esc(detail)}");
            }

            if (finding.Fix is { } fix)
            {
                context.Line($"           fix: {CliOutput.Esc(fix)}");
            }
        }

        var counts = report.Findings.GroupBy(f => f.Severity).ToDictionary(g => g.Key, g => g.Count());
        context.Line($"{CliOutput.Esc(report.Database)} ({report.Engine}): {counts.GetValueOrDefault(Severity.Critical)} critical, "
            + $"{counts.GetValueOrDefault(Severity.Warning)} warning(s), {counts.GetValueOrDefault(Severity.Info)} note(s), {counts.GetValueOrDefault(Severity.Ok)} ok; {report.Seconds:0.0} s");
    }
}
