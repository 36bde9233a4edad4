using System.CommandLine;
using Confab.Storage.Engines;
using Confab.Storage.Schema;

namespace Confab.Cli;

/// <summary><c>db verify-schema</c>: compare the live schema with one built from the same migrations on a scratch database.</summary>
internal static class VerifySchemaVerb
{
    public static Command Build(CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the differences as JSON" };
        var command = new Command(
            "verify-schema",
            "Build the expected schema on a scratch database of the same engine and compare it with the live one "
            + "(tables, columns, types, nullability, defaults, indexes, constraints, views, triggers). Exit 1 on any difference.")
        {
            json,
        };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, async () =>
        {
            var target = ConfabCli.ResolveTarget(context, parse);
            await using var database = ConfabDatabase.Open(target);
            if (!await database.ExistsAsync(ct))
            {
                throw Storage.StorageErrors.Missing(target);
            }

            var differences = await SchemaVerifier.VerifyAsync(database, null, ct);
            if (parse.GetValue(json))
            {
                context.WriteJson(new { database = target.Display, matches = differences.Count == 0, differences });
            }
            else if (differences.Count == 0)
            {
                context.Line($"[green]The schema of {CliOutput.Esc(target.Display)} matches its migrations.[/]");
            }
            else
            {
                context.Line($"[red]The schema of {CliOutput.Esc(target.Display)} differs from its migrations in {differences.Count} way(s):[/]");
                foreach (var difference in differences)
                {
                    context.Line($"  - {CliOutput.Esc(difference)}");
                }
            }

            return differences.Count == 0 ? ExitCodes.Success : ExitCodes.Problem;
        }));
        return command;
    }
}
