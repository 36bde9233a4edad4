using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Confab.Storage.Engines;
using Confab.Tools.Port;
using Confab.Tools.Verification;
using Spectre.Console;

namespace Confab.Cli;

/// <summary><c>db port</c> and <c>db verify</c>: move a deployment between engines and prove nothing was lost.</summary>
internal static class PortVerbs
{
    public static Command Port(CliContext context)
    {
        var from = new Option<string>("--from") { Description = "Source database URL", Required = true, HelpName = "URL" };
        var to = new Option<string>("--to") { Description = "Target database URL (created and migrated when missing)", Required = true, HelpName = "URL" };
        var batch = new Option<int>("--batch-size") { Description = "Rows per transaction and checkpoint", DefaultValueFactory = _ => 20_000, HelpName = "N" };
        var jobs = new Option<int>("--jobs") { Description = "Parallel index builds on PostgreSQL", DefaultValueFactory = _ => 2, HelpName = "N" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Run the preflight and print the plan; write nothing" };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted port from its checkpoints" };
        var incremental = new Option<bool>("--incremental") { Description = "Copy only what changed since the last pass (new, edited, deleted rows)" };
        var onBad = new Option<BadRowPolicy>("--on-bad-rows") { Description = "fail (default): stop before writing; skip: copy the rest, rejected rows go to --rejects", DefaultValueFactory = _ => BadRowPolicy.Fail };
        var rejects = new Option<string?>("--rejects") { Description = "File for rejected rows, one JSON object per line", HelpName = "FILE" };
        var noVerify = new Option<bool>("--no-verify") { Description = "Skip the verification at the end" };
        var reportFile = new Option<string?>("--report") { Description = "Write the full report as JSON", HelpName = "FILE.json" };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Serve the port's progress at http://127.0.0.1:PORT/metrics (Prometheus) while it runs", HelpName = "PORT" };
        var command = new Command(
            "port",
            "Copy a Confab database to another engine or database (SQLite <-> PostgreSQL): preflight, schema, copy with checkpoints, "
            + "index builds, sequences, verify. Resumable (--resume), incremental (--incremental), verified. Exit 1 on a refusal or a difference.")
        {
            from, to, batch, jobs, dryRun, resume, incremental, onBad, rejects, noVerify, reportFile, metricsPort,
        };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            var options = new PortOptions
            {
                BatchSize = parse.GetValue(batch),
                Jobs = parse.GetValue(jobs),
                DryRun = parse.GetValue(dryRun),
                Resume = parse.GetValue(resume),
                Incremental = parse.GetValue(incremental),
                OnBadRows = parse.GetValue(onBad),
                RejectsPath = parse.GetValue(rejects),
                Verify = !parse.GetValue(noVerify),
            };
            Validate(options);
            var sourceTarget = DatabaseUrl.Parse(parse.GetValue(from)!);
            var targetTarget = DatabaseUrl.Parse(parse.GetValue(to)!);
            if (sourceTarget.ConnectionString == targetTarget.ConnectionString)
            {
                throw new CliUsageException("--from and --to name the same database");
            }

            await using var source = ConfabDatabase.Open(sourceTarget);
            await using var target = ConfabDatabase.Open(targetTarget, create: !options.DryRun);
            await using var metrics = MetricsListener.Start(parse.GetValue(metricsPort));
            PortRunner? runner = null;
            try
            {
                var report = await WithProgressAsync(context, async progress =>
                {
                    using var measured = new PortMetrics(targetTarget.Display, progress);
                    runner = new PortRunner(source, target, options, measured);
                    var outcome = await runner.RunAsync(ct);
                    measured.Finished(outcome.Outcome);
                    return outcome;
                });
                Print(context, report);
                return report.Outcome is "complete" or "planned" ? ExitCodes.Success : ExitCodes.Problem;
            }
            finally
            {
                if (parse.GetValue(reportFile) is { } path && runner is not null)
                {
                    await File.WriteAllTextAsync(path, JsonSerializer.Serialize(runner.Report, CliOutput.Json), CancellationToken.None);
                }
            }
        }));
        return command;
    }

    public static Command Verify(CliContext context)
    {
        var sourceOption = new Option<string>("--source") { Description = "Source database URL", Required = true, HelpName = "URL" };
        var targetOption = new Option<string>("--target") { Description = "Target database URL", Required = true, HelpName = "URL" };
        var reportFile = new Option<string?>("--report") { Description = "Write the full report as JSON", HelpName = "FILE.json" };
        var command = new Command(
            "verify",
            "Compare two Confab databases of either engine: every table's row count and content checksums (chunked by key range), "
            + "listing the differing keys. Exit 1 when anything differs.")
        {
            sourceOption, targetOption, reportFile,
        };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            await using var source = ConfabDatabase.Open(DatabaseUrl.Parse(parse.GetValue(sourceOption)!));
            await using var target = ConfabDatabase.Open(DatabaseUrl.Parse(parse.GetValue(targetOption)!));
            foreach (var database in new[] { source, target })
            {
                if (!await database.ExistsAsync(ct))
                {
                    throw Storage.StorageErrors.Missing(database.Target);
                }
            }

            var report = await WithProgressAsync(context, progress => DatabaseVerifier.VerifyAsync(source, target, progress, ct));
            PrintVerify(context, report);
            if (parse.GetValue(reportFile) is { } path)
            {
                await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, CliOutput.Json), ct);
            }

            return report.Matches ? ExitCodes.Success : ExitCodes.Problem;
        }));
        return command;
    }

    private static void Validate(PortOptions options)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new CliUsageException(ex.Message.Split(" (Parameter", 2)[0]);
        }
    }

    private static async Task<T> WithProgressAsync<T>(CliContext context, Func<IPortProgress, Task<T>> body)
    {
        if (!context.Out.Profile.Capabilities.Interactive)
        {
            return await body(new PortProgressDisplay(context, null));
        }

        T result = default!;
        await context.Out.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RowsColumn(), new RemainingTimeColumn())
            .StartAsync(async bars => result = await body(new PortProgressDisplay(context, bars)));
        return result;
    }

    private static void Print(CliContext context, PortReport report)
    {
        foreach (var note in report.Notes)
        {
            context.Line(CliOutput.Esc(note));
        }

        foreach (var bad in report.BadRows.Take(20))
        {
            context.Line($"  rejected {CliOutput.Esc(bad.Table)} {CliOutput.Esc(bad.Key)}: {CliOutput.Esc(bad.Reason)}");
        }

        if (report.Mode == "dry-run")
        {
            foreach (var table in report.Tables)
            {
                context.Line(CliOutput.Esc(string.Create(CultureInfo.InvariantCulture, $"  {table.Name,-24} {table.SourceRows,14:N0} rows")));
            }

            context.Line("Dry run: nothing was written.");
            return;
        }

        var copied = report.Tables.Sum(t => t.Copied);
        context.Line(CliOutput.Esc(string.Create(CultureInfo.InvariantCulture,
            $"{report.Mode} port {report.Source} -> {report.Target}: {copied:N0} rows in {report.Seconds:0.0} s "
            + $"({string.Join(", ", report.Phases.Select(p => $"{p.Name} {p.Seconds:0.0} s"))})")));
        if (report.Mode == "incremental")
        {
            foreach (var table in report.Tables.Where(t => t.Inserted + t.Updated + t.Deleted > 0))
            {
                context.Line(CliOutput.Esc(string.Create(CultureInfo.InvariantCulture,
                    $"  {table.Name}: {table.Inserted:N0} inserted, {table.Updated:N0} updated, {table.Deleted:N0} deleted")));
            }
        }

        if (report.Verify is { } verify)
        {
            PrintVerify(context, verify);
        }
    }

    private static void PrintVerify(CliContext context, VerifyReport report)
    {
        foreach (var problem in report.Problems)
        {
            context.Line($"[red]{CliOutput.Esc(problem)}[/]");
        }

        foreach (var table in report.Tables.Where(t => !t.Matches))
        {
            context.Line($"[red]{CliOutput.Esc(table.Name)}: {table.Differences} row(s) differ ({table.SourceRows} in the source, {table.TargetRows} in the target)[/]");
            foreach (var chunk in table.DifferingChunks.Take(5))
            {
                context.Line(CliOutput.Esc($"  keys {chunk.FirstKey} .. {chunk.LastKey}: checksums differ ({chunk.SourceRows} vs {chunk.TargetRows} rows)"));
            }

            foreach (var key in table.DifferingKeys.Take(20))
            {
                context.Line(CliOutput.Esc($"  {key.Kind} {key.Key}{(key.Columns is { Count: > 0 } c ? " (" + string.Join(", ", c) + ")" : string.Empty)}"));
            }
        }

        var rows = report.Tables.Sum(t => t.SourceRows);
        context.Line(report.Matches
            ? $"[green]Verified: {report.Tables.Count} tables, {rows:N0} rows, identical ({report.Seconds:0.0} s).[/]"
            : $"[red]Verify found differences in {report.Tables.Count(t => !t.Matches) + report.Problems.Count} table(s) ({report.Seconds:0.0} s).[/]");
    }
}
