using System.CommandLine;
using Confab.Storage.Engines;
using Confab.Storage.Migrations;

namespace Confab.Cli;

/// <summary><c>db repair --yes</c>: accept deliberate edits of applied migrations by re-recording their checksums.</summary>
internal static class RepairVerb
{
    public static Command Build(CliContext context)
    {
        var yes = new Option<bool>("--yes") { Description = "Confirm that the changed files were edited on purpose and match the database" };
        var command = new Command("repair", "Re-record the checksums of applied migrations whose files were edited on purpose.") { yes };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            var target = ConfabCli.ResolveTarget(context, parse);
            await using var database = ConfabDatabase.Open(target);
            var runner = new MigrationRunner(database);
            if (!parse.GetValue(yes))
            {
                var drifted = (await runner.StatusAsync(ct)).Migrations.Where(m => m.State == MigrationState.Drift).ToList();
                var list = drifted.Count == 0 ? "no migration has drifted" : string.Join(", ", drifted.Select(d => $"{d.Version:D4}_{d.Name}"));
                throw new CliUsageException($"repair rewrites recorded checksums ({list}); run again with --yes to confirm");
            }

            var repaired = await runner.RepairAsync(ct);
            foreach (var row in repaired)
            {
                context.Line($"Re-recorded the checksum of [bold]{row.Version:D4}_{CliOutput.Esc(row.Name)}[/]");
            }

            if (repaired.Count == 0)
            {
                context.Line("Nothing to repair: every applied migration matches its file.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }
}
