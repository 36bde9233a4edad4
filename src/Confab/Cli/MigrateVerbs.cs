using System.CommandLine;
using Confab.Storage.Engines;
using Confab.Storage.Migrations;

namespace Confab.Cli;

/// <summary><c>db migrate</c>, <c>db rollback</c> and <c>db reset</c>.</summary>
internal static class MigrateVerbs
{
    private static readonly Option<bool> DryRun = new("--dry-run") { Description = "Print the exact SQL that would run; change nothing" };

    private static readonly Option<bool> Json = new("--json") { Description = "Print what was done (or, with --dry-run, planned) as JSON" };

    private static readonly Option<int> LockTimeout = new("--lock-timeout")
    {
        Description = "Seconds to wait for another confab migrating the same PostgreSQL database",
        DefaultValueFactory = _ => 60,
        HelpName = "SECONDS",
    };

    public static Command Migrate(CliContext context)
    {
        var to = new Option<long?>("--to") { Description = "Stop at this version instead of the newest", HelpName = "VERSION" };
        var outOfOrder = new Option<bool>("--allow-out-of-order") { Description = "Apply a pending migration numbered below an applied one" };
        var allowDrift = new Option<bool>("--allow-drift") { Description = "Migrate although an applied migration's file has changed" };
        var command = new Command("migrate", "Apply pending migrations in order (creates the SQLite file or PostgreSQL database when missing).")
        {
            to, DryRun, outOfOrder, allowDrift, LockTimeout, Json,
        };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            var target = ConfabCli.ResolveTarget(context, parse);
            var options = new MigrateOptions
            {
                TargetVersion = parse.GetValue(to),
                DryRun = parse.GetValue(DryRun),
                AllowOutOfOrder = parse.GetValue(outOfOrder),
                AllowDrift = parse.GetValue(allowDrift),
            };
            await using var database = ConfabDatabase.Open(target, create: !options.DryRun);
            var runner = new MigrationRunner(database) { LockTimeout = TimeSpan.FromSeconds(parse.GetValue(LockTimeout)) };
            var result = await runner.MigrateAsync(options, ct);
            Render(context, parse, target, result);
            return ExitCodes.Success;
        }));
        return command;
    }

    public static Command Rollback(CliContext context)
    {
        var steps = new Option<int?>("--steps") { Description = "How many migrations to undo, newest first (default 1)", HelpName = "N" };
        var to = new Option<long?>("--to") { Description = "Undo every migration above this version; 0 empties the schema", HelpName = "VERSION" };
        var command = new Command("rollback", "Undo applied migrations by running their down files, newest first.")
        {
            steps, to, DryRun, LockTimeout, Json,
        };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            if (parse.GetValue(steps) is not null && parse.GetValue(to) is not null)
            {
                throw new CliUsageException("give --steps or --to, not both");
            }

            if (parse.GetValue(steps) is < 1 || parse.GetValue(to) is < 0)
            {
                throw new CliUsageException("--steps must be at least 1 and --to at least 0");
            }

            var target = ConfabCli.ResolveTarget(context, parse);
            await using var database = ConfabDatabase.Open(target);
            var runner = new MigrationRunner(database) { LockTimeout = TimeSpan.FromSeconds(parse.GetValue(LockTimeout)) };
            var options = new RollbackOptions
            {
                Steps = parse.GetValue(steps) ?? 1,
                TargetVersion = parse.GetValue(to),
                DryRun = parse.GetValue(DryRun),
            };
            Render(context, parse, target, await runner.RollbackAsync(options, ct));
            return ExitCodes.Success;
        }));
        return command;
    }

    public static Command Reset(CliContext context)
    {
        var yes = new Option<bool>("--yes") { Description = "Confirm: every table and all data is dropped, then the schema is built anew" };
        var command = new Command("reset", "Roll back every migration (dropping all data) and apply them all again.") { yes, LockTimeout };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            var target = ConfabCli.ResolveTarget(context, parse);
            if (!parse.GetValue(yes))
            {
                throw new CliUsageException($"reset drops all data in {target.Display}; run again with --yes to confirm");
            }

            await using var database = ConfabDatabase.Open(target);
            var runner = new MigrationRunner(database) { LockTimeout = TimeSpan.FromSeconds(parse.GetValue(LockTimeout)) };
            Render(context, parse, target, await runner.RollbackAsync(new RollbackOptions { TargetVersion = 0 }, ct));
            Render(context, parse, target, await runner.MigrateAsync(new MigrateOptions(), ct));
            return ExitCodes.Success;
        }));
        return command;
    }

    private static void Render(CliContext context, ParseResult parse, DatabaseTarget target, MigrationRunResult result)
    {
        if (parse.GetResult(Json) is not null && parse.GetValue(Json))
        {
            context.WriteJson(new
            {
                database = target.Display,
                result.DryRun,
                result.FromVersion,
                result.ToVersion,
                steps = result.Steps.Select(s => new
                {
                    s.Migration.Version,
                    s.Migration.Name,
                    direction = s.Direction,
                    file = s.File,
                    s.InTransaction,
                    s.ElapsedMs,
                    s.DoneByOtherRunner,
                    sql = result.DryRun ? s.Statements.Select(x => x.Text) : null,
                }),
            });
            return;
        }

        if (result.DryRun)
        {
            RenderDryRun(context, target, result);
            return;
        }

        foreach (var step in result.Steps)
        {
            var verb = step.Direction == MigrationDirection.Up ? "Applied" : "Rolled back";
            var note = step.DoneByOtherRunner ? "already done by another runner" : CliOutput.Duration(step.ElapsedMs);
            context.Line($"{verb} [bold]{CliOutput.Esc(step.Migration.Id)}[/] ({CliOutput.Esc(note)})");
        }

        var what = result.Steps.Count == 0 ? "Nothing to do: " : string.Empty;
        context.Line($"{what}{CliOutput.Esc(target.Display)} is at version [bold]{result.ToVersion}[/].");
    }

    private static void RenderDryRun(CliContext context, DatabaseTarget target, MigrationRunResult result)
    {
        context.RawLine($"-- confab dry run on {target.Display}: version {result.FromVersion} -> {result.ToVersion}, {result.Steps.Count} migration(s); nothing was changed");
        foreach (var step in result.Steps)
        {
            context.RawLine();
            var transaction = step.InTransaction ? "in one transaction" : "outside a transaction";
            context.RawLine($"-- {step.File} ({transaction})");
            if (step.InTransaction)
            {
                context.RawLine(target.Engine == DatabaseEngine.Sqlite ? "BEGIN IMMEDIATE;" : "BEGIN;");
            }

            foreach (var statement in step.Statements)
            {
                context.RawLine(statement.Text + ";");
            }

            context.RawLine(step.Direction == MigrationDirection.Up
                ? $"INSERT INTO schema_migrations (version, name, checksum, applied_at, execution_ms) VALUES ({step.Migration.Version}, '{step.Migration.Name}', '{step.Migration.Checksum}', <now>, <elapsed>);"
                : $"DELETE FROM schema_migrations WHERE version = {step.Migration.Version};");
            if (step.InTransaction)
            {
                context.RawLine("COMMIT;");
            }
        }
    }
}
