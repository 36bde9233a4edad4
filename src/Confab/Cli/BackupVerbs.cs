using System.CommandLine;
using Confab.Storage.Engines;
using Confab.Tools.Backup;
using Spectre.Console;

namespace Confab.Cli;

/// <summary><c>db backup</c> and <c>db restore</c>: consistent backups with a manifest, retention, and checked restores.</summary>
internal static class BackupVerbs
{
    public static Command Backup(CliContext context)
    {
        var output = new Option<string>("--out") { Description = "Folder for dated backups, or a file name", DefaultValueFactory = _ => "backups", HelpName = "DIR|FILE" };
        var keep = new Option<int?>("--keep") { Description = "Keep at most N backups in the folder (the newest good one always stays)", HelpName = "N" };
        var keepDays = new Option<int?>("--keep-days") { Description = "Remove backups older than D days (the newest good one always stays)", HelpName = "D" };
        var verify = new Option<bool>("--verify") { Description = "Restore the backup into a scratch database and compare it with its manifest; exit 1 on a difference" };
        var jobs = new Option<int>("--jobs") { Description = "PostgreSQL: parallel pg_dump jobs (directory format when > 1)", DefaultValueFactory = _ => 1, HelpName = "N" };
        var json = new Option<bool>("--json") { Description = "Print the manifest and outcome as JSON" };
        var command = new Command(
            "backup",
            "Back up the database consistently while it runs (SQLite: online backup API + integrity_check; PostgreSQL: pg_dump), "
            + "with a manifest of row counts and content checksums beside it. Exit 1 when the backup or its verification fails.")
        {
            output, keep, keepDays, verify, jobs, json,
        };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            var options = new BackupOptions
            {
                Out = parse.GetValue(output)!,
                Keep = parse.GetValue(keep),
                KeepDays = parse.GetValue(keepDays),
                Verify = parse.GetValue(verify),
                Jobs = parse.GetValue(jobs),
            };
            if (options.Keep is < 1 || options.KeepDays is < 1 || options.Jobs is < 1 or > 64)
            {
                throw new CliUsageException("--keep and --keep-days must be at least 1, --jobs between 1 and 64");
            }

            var target = ConfabCli.ResolveTarget(context, parse);
            await using var database = ConfabDatabase.Open(target);
            var result = await new DatabaseBackup(database, new PostgresClientTools(context.Environment), TimeProvider.System).CreateAsync(options, ct);
            var failed = result.VerifyProblems is { Count: > 0 };
            if (parse.GetValue(json))
            {
                context.WriteJson(new { path = result.Path, manifest = result.Manifest, pruned = result.Pruned, verified = result.VerifyProblems is not null, verifyProblems = result.VerifyProblems });
            }
            else
            {
                PrintBackup(context, result);
            }

            return failed ? ExitCodes.Problem : ExitCodes.Success;
        }));
        return command;
    }

    public static Command Restore(CliContext context)
    {
        var backup = new Argument<string>("BACKUP") { Description = "The backup file or folder (or its .manifest.json)" };
        var yes = new Option<bool>("--yes") { Description = "Replace a database that is not empty (a safety backup of it is taken first)" };
        var jobs = new Option<int>("--jobs") { Description = "PostgreSQL: parallel pg_restore jobs (not one transaction)", DefaultValueFactory = _ => 1, HelpName = "N" };
        var command = new Command(
            "restore",
            "Restore a backup into an empty database (--db), then check the content against the manifest. A damaged backup is refused "
            + "before anything is written; a non-empty database needs --yes. Exit 1 on a refusal or a difference.")
        {
            backup, yes, jobs,
        };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            if (parse.GetValue(jobs) is < 1 or > 64)
            {
                throw new CliUsageException("--jobs must be between 1 and 64");
            }

            var target = ConfabCli.ResolveTarget(context, parse);
            var result = await new DatabaseRestore(new PostgresClientTools(context.Environment), TimeProvider.System)
                .RestoreAsync(parse.GetValue(backup)!, target, parse.GetValue(yes), parse.GetValue(jobs), ct);
            PrintRestore(context, result);
            return result.Problems.Count == 0 ? ExitCodes.Success : ExitCodes.Problem;
        }));
        return command;
    }

    private static void PrintBackup(CliContext context, BackupResult result)
    {
        var m = result.Manifest;
        context.Line($"Backed up [bold]{CliOutput.Esc(m.Source)}[/] ({CliOutput.Esc(m.Engine)}, schema version {m.SchemaVersion}) to {CliOutput.Esc(result.Path)}");
        context.Line($"  {Tools.ByteSize.Format(m.Bytes)}, {m.Tables.Count} tables, {m.TotalRows:N0} rows, {m.Seconds:0.0} s, with {CliOutput.Esc(m.Tool)}"
            + (m.Integrity is null ? string.Empty : $"; integrity_check: {CliOutput.Esc(m.Integrity)}"));
        context.Line($"  manifest: {CliOutput.Esc(BackupManifest.PathFor(result.Path))}");
        foreach (var name in result.Pruned)
        {
            context.Line($"  pruned {CliOutput.Esc(name)}");
        }

        if (result.VerifyProblems is { } problems)
        {
            context.Line(problems.Count == 0
                ? $"  [green]verified[/]: restored into a scratch database, every table matches the manifest ({result.VerifySeconds:0.0} s)"
                : $"  [red]verification failed[/]: {CliOutput.Esc(string.Join("; ", problems))}");
        }
    }

    private static void PrintRestore(CliContext context, RestoreResult result)
    {
        var m = result.Manifest;
        if (result.SafetyBackup is { } safety)
        {
            context.Line($"The database that was there is kept in {CliOutput.Esc(safety)}");
        }

        var table = new Table().Border(TableBorder.Rounded).AddColumns("Table", "Rows", "Checksum");
        foreach (var t in m.Tables)
        {
            table.AddRow(CliOutput.Esc(t.Name), t.Rows.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), t.Checksum[..16]);
        }

        context.Out.Write(table);
        context.Line($"Restored the backup of {CliOutput.Esc(m.Source)} taken {CliOutput.Instant(m.CreatedAt)} (schema version {m.SchemaVersion}, "
            + $"{m.TotalRows:N0} rows) into [bold]{CliOutput.Esc(result.Target)}[/] in {result.RestoreSeconds:0.0} s; checked in {result.CheckSeconds:0.0} s.");
        context.Line(result.Problems.Count == 0
            ? "[green]The restored database matches the manifest.[/]"
            : $"[red]The restored database does not match the manifest:[/] {CliOutput.Esc(string.Join("; ", result.Problems))}");
    }
}
