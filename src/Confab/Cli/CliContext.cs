using Spectre.Console;

namespace Confab.Cli;

/// <summary>Where a verb writes and what environment it reads; tests pass their own.</summary>
public sealed class CliContext
{
    public required IAnsiConsole Out { get; init; }

    public required TextWriter Error { get; init; }

    public required Func<string, string?> Environment { get; init; }

    public static CliContext FromProcess()
    {
        var console = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
        {
            // Into a pipe or a file: plain text, unwrapped, so scripts and logs get what they expect.
            console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(Console.Out),
            });
            console.Profile.Width = 240;
        }

        return new CliContext { Out = console, Error = Console.Error, Environment = System.Environment.GetEnvironmentVariable };
    }

    /// <summary>A context that records output in plain text (no colours, wide lines), for tests and --json.</summary>
    public static CliContext Capture(StringWriter output, StringWriter error, Func<string, string?>? environment = null)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 240;
        return new CliContext { Out = console, Error = error, Environment = environment ?? (_ => null) };
    }
}
