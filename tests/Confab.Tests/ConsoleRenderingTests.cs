using Confab.Cli;
using Confab.Tools.Health;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Confab.Tests;

public class ConsoleRenderingTests
{
    private static (IAnsiConsole Console, StringWriter Output) PlainConsole()
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 120;
        return (console, output);
    }

    private static string Render(ProgressColumn column, ProgressTask task)
    {
        var (console, output) = PlainConsole();
        console.Write(column.Render(RenderOptions.Create(console), task, TimeSpan.FromSeconds(1)));
        return output.ToString().Trim();
    }

    [Fact]
    public void The_port_column_shows_rows_done_with_thousands_separators()
    {
        var task = new ProgressTask(1, "messages", 2_000_000) { Value = 1_234_567 };

        // Setting the value records a sample, so a speed is known too; only its shape is stable.
        Assert.Matches(@"^1,234,567 rows [0-9,]+/s$", Render(new RowsColumn(), task));
    }

    [Fact]
    public void The_seed_rate_column_shows_zero_before_any_speed_is_known()
    {
        var task = new ProgressTask(1, "messages", 100);

        Assert.Equal("0/s", Render(new RateColumn(), task));
    }

    [Fact]
    public void Text_written_through_the_help_writer_reaches_the_console_unchanged()
    {
        var (console, output) = PlainConsole();
        using var writer = new SpectreTextWriter(console);

        writer.Write('[');
        writer.Write("db migrate [options]");
        writer.WriteLine(" — done");

        Assert.Equal("[db migrate [options] — done" + Environment.NewLine, output.ToString());
    }

    [Theory]
    [InlineData("3.35.5", false)]
    [InlineData("3.51.2", false)]
    [InlineData("3.51.3", true)]
    [InlineData("3.53.4", true)]
    [InlineData("4.0", true)]
    [InlineData("garbage", false)]
    public void Doctor_knows_which_sqlite_releases_have_the_wal_reset_fix(string version, bool fixedRelease)
    {
        Assert.Equal(fixedRelease, SqliteLibrary.HasWalResetFix(version));
    }
}
