using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Confab.Storage.Migrations;

namespace Confab.Cli;

/// <summary><c>db new NAME</c>: the next numbered up/down pair for both dialects, in the source tree.</summary>
internal static partial class NewMigrationVerb
{
    private static readonly string[] Dialects = ["postgres", "sqlite"];

    public static Command Build(CliContext context)
    {
        var name = new Argument<string>("NAME") { Description = "What the migration does, in lower_snake_case (e.g. add_message_pins)" };
        var dir = new Option<string?>("--dir")
        {
            Description = "The Migrations folder (default: src/Confab.Storage/Migrations above the current directory)",
            HelpName = "DIR",
        };
        var command = new Command("new", "Create the next numbered migration (up and down files) for both dialects.") { name, dir };
        command.SetAction((parse, ct) => ConfabCli.GuardAsync(context, parse, () =>
        {
            var migrationName = parse.GetValue(name)!;
            if (!NamePattern().IsMatch(migrationName))
            {
                throw new CliUsageException($"'{migrationName}' is not a migration name: use 1-60 of a-z, 0-9 and _, starting with a letter");
            }

            var folder = parse.GetValue(dir) ?? FindMigrationsFolder()
                ?? throw new CliUsageException("cannot find src/Confab.Storage/Migrations above the current directory; pass --dir");
            if (!Dialects.All(d => Directory.Exists(Path.Combine(folder, d))))
            {
                throw new CliUsageException($"{folder} is not a migrations folder: it needs {string.Join(" and ", Dialects)} subfolders");
            }

            var next = MigrationCatalog.FilesInDirectory(folder)
                .Select(f => MigrationCatalog.ParseName(f.FileName)?.Version ?? 0).DefaultIfEmpty(0).Max() + 1;
            var stem = $"{next.ToString("D4", CultureInfo.InvariantCulture)}_{migrationName}";
            foreach (var dialect in Dialects)
            {
                foreach (var direction in new[] { "up", "down" })
                {
                    var path = Path.Combine(folder, dialect, $"{stem}.{direction}.sql");
                    File.WriteAllText(path, $"-- {stem} ({dialect}, {direction}). Keep the other dialect's file logically identical.\n\n");
                    context.Line($"Created [bold]{CliOutput.Esc(Path.GetRelativePath(Directory.GetCurrentDirectory(), path))}[/]");
                }
            }

            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }

    private static string? FindMigrationsFolder()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "Confab.Storage", "Migrations");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,59}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
