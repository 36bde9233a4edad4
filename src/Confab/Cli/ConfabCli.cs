using System.CommandLine;
using Confab.Storage;
using Confab.Storage.Engines;
using Confab.Storage.Migrations;

namespace Confab.Cli;

/// <summary>The <c>confab</c> command tree. Verbs are thin: parse, call the library, render, map errors to exit codes.</summary>
public static class ConfabCli
{
    public static readonly Option<string?> DbOption = new("--db")
    {
        Description = "Database URL: sqlite:PATH, postgres://user:pass@host:port/db?sslmode=..., or an Npgsql keyword string. "
            + "Default: $CONFAB_DB, then $DATABASE_URL, then sqlite:confab.db",
        Recursive = true,
        HelpName = "URL",
    };

    public static readonly Option<bool> VerboseOption = new("--verbose", "-v")
    {
        Description = "Show details of errors, including stack traces",
        Recursive = true,
    };

    public static RootCommand Build(CliContext context)
    {
        var root = new RootCommand("Confab: a self-hosted chat backend on SQLite or PostgreSQL.");
        root.Options.Add(DbOption);
        root.Options.Add(VerboseOption);
        root.Subcommands.Add(ServeVerb.Build(context));
        root.Subcommands.Add(DbCommands.Build(context));
        root.Subcommands.Add(UsersCommands.Build(context));
        VersionInfo.Install(root, context);
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var root = Build(context);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await context.Error.WriteLineAsync($"confab: {error.Message}");
            }

            await context.Error.WriteLineAsync("Run 'confab --help' (or the verb with --help) for usage.");
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration
        {
            Output = new SpectreTextWriter(context.Out),
            Error = context.Error,
            EnableDefaultExceptionHandler = false,
        };
        return await parsed.InvokeAsync(invocation, cancellationToken);
    }

    /// <summary>Runs a verb's body and turns what it throws into the documented exit codes and a short message.</summary>
    public static async Task<int> GuardAsync(CliContext context, ParseResult parse, Func<Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body();
        }
        catch (Exception ex) when (Classify(ex) is { } code)
        {
            await context.Error.WriteLineAsync($"confab: {ex.Message}");
            if (parse.GetValue(VerboseOption) && ex.InnerException is { } inner)
            {
                await context.Error.WriteLineAsync(inner.ToString());
            }

            return code;
        }
        catch (OperationCanceledException)
        {
            await context.Error.WriteLineAsync("confab: stopped");
            return ExitCodes.Interrupted;
        }
        catch (Exception ex)
        {
            await context.Error.WriteLineAsync($"confab: unexpected error: {ex.GetType().Name}: {ex.Message}");
            await context.Error.WriteLineAsync(parse.GetValue(VerboseOption) ? ex.ToString() : "Run again with --verbose for details.");
            return ExitCodes.Problem;
        }
    }

    /// <summary>The database URL a verb uses: --db, $CONFAB_DB, $DATABASE_URL, then the default.</summary>
    public static DatabaseTarget ResolveTarget(CliContext context, ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(parse);
        return DatabaseUrl.Parse(DatabaseUrl.Resolve(parse.GetValue(DbOption), context.Environment));
    }

    private static int? Classify(Exception ex) => ex switch
    {
        DatabaseUrlException or StorageArgumentException or CliUsageException => ExitCodes.Usage,
        DatabaseUnavailableException => ExitCodes.CannotOpen,
        MigrationFailedException or StorageOperationException => ExitCodes.Problem,
        _ when StorageErrors.IsConnectFailure(ex) => ExitCodes.CannotOpen,

        // Busy beyond the timeout: another process holds SQLite's write lock; the message says so.
        _ when StorageErrors.IsRetryable(ex) => ExitCodes.Problem,
        _ => null,
    };
}
