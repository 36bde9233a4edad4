using Confab.Cli;

namespace Confab.Tests;

public class CliTests
{
    [Fact]
    public async Task Help_lists_the_database_verbs()
    {
        var (code, output, _) = await RunAsync("db", "--help");
        Assert.Equal(ExitCodes.Success, code);
        foreach (var verb in new[] { "migrate", "rollback", "status", "reset", "new", "repair", "verify-schema", "seed" })
        {
            Assert.Contains(verb, output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("db", "migrate", "--no-such-flag")]
    [InlineData("db", "rollback", "--steps", "two")]
    [InlineData("nonsense")]
    public async Task A_bad_flag_or_verb_is_a_usage_error(params string[] args)
    {
        var (code, _, error) = await RunAsync(args);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.StartsWith("confab:", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--keep 0", "db", "backup", "--keep", "0")]
    [InlineData("--keep-days", "db", "backup", "--keep-days", "-3")]
    [InlineData("--jobs", "db", "backup", "--jobs", "0")]
    [InlineData("--jobs", "db", "restore", "x.sqlite", "--jobs", "65")]
    [InlineData("BACKUP", "db", "restore")]
    [InlineData("--long-running-seconds", "db", "doctor", "--long-running-seconds", "0")]
    [InlineData("--days", "db", "stats", "--days", "0")]
    [InlineData("--retention-days", "db", "maintain", "--retention-days", "-1")]
    [InlineData("--metrics-port", "db", "port", "--from", "sqlite:/nonexistent/a.db", "--to", "sqlite:/nonexistent/b.db", "--metrics-port", "70000")]
    [InlineData("xml", "serve", "--log-format", "xml")]
    public async Task Out_of_range_options_of_the_operations_verbs_are_usage_errors_that_name_the_option(string named, params string[] args)
    {
        var sqlite = Path.Combine(Path.GetTempPath(), $"confab-untouched-{Guid.NewGuid():N}.db");
        var (code, _, error) = await RunAsync([.. args, "--db", $"sqlite:{sqlite}"]);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(named.Split(' ')[0], error, StringComparison.Ordinal);
        Assert.False(File.Exists(sqlite));
    }

    [Theory]
    [InlineData("mysql://root@localhost/chat")]
    [InlineData("postgres://u@localhost:notaport/db")]
    [InlineData("sqlite:")]
    public async Task A_malformed_database_url_is_a_usage_error_in_one_line(string url)
    {
        var (code, _, error) = await RunAsync("db", "status", "--db", url);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_database_url_comes_from_confab_db_when_no_option_is_given()
    {
        var env = new Dictionary<string, string?> { ["CONFAB_DB"] = "oracle://scott@tiger/db" };
        var (code, _, error) = await RunAsync(env, "db", "status");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("'oracle'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_sqlite_file_cannot_be_opened()
    {
        var path = Path.Combine(Path.GetTempPath(), $"confab-missing-{Guid.NewGuid():N}.db");
        var (code, _, error) = await RunAsync("db", "status", "--db", $"sqlite:{path}");
        Assert.Equal(ExitCodes.CannotOpen, code);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Reset_refuses_without_confirmation()
    {
        var (code, _, error) = await RunAsync("db", "reset", "--db", "sqlite::memory:");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--yes", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rollback_refuses_steps_and_to_together()
    {
        var (code, _, _) = await RunAsync("db", "rollback", "--steps", "1", "--to", "0", "--db", "sqlite::memory:");
        Assert.Equal(ExitCodes.Usage, code);
    }

    [Fact]
    public async Task Generator_options_without_generate_are_a_usage_error()
    {
        var (code, _, error) = await RunAsync("db", "seed", "--users", "5", "--db", "sqlite::memory:");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--generate", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generator_rejects_too_few_users()
    {
        var (code, _, error) = await RunAsync("db", "seed", "--generate", "--users", "1", "--db", "sqlite::memory:");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--users must be at least 2", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task New_migration_names_are_validated()
    {
        var (code, _, _) = await RunAsync("db", "new", "Add Pins!");
        Assert.Equal(ExitCodes.Usage, code);
    }

    [Fact]
    public async Task New_creates_the_next_numbered_pair_for_both_dialects()
    {
        var dir = Directory.CreateTempSubdirectory("confab-new-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "postgres"));
        Directory.CreateDirectory(Path.Combine(dir, "sqlite"));
        foreach (var dialect in new[] { "postgres", "sqlite" })
        {
            File.WriteAllText(Path.Combine(dir, dialect, "0001_initial.up.sql"), "SELECT 1;");
            File.WriteAllText(Path.Combine(dir, dialect, "0001_initial.down.sql"), "SELECT 1;");
        }

        var (code, _, _) = await RunAsync("db", "new", "add_pins", "--dir", dir);
        Assert.Equal(ExitCodes.Success, code);
        foreach (var file in new[] { "postgres/0002_add_pins.up.sql", "postgres/0002_add_pins.down.sql", "sqlite/0002_add_pins.up.sql", "sqlite/0002_add_pins.down.sql" })
        {
            Assert.True(File.Exists(Path.Combine(dir, file)), file);
        }

        Directory.Delete(dir, recursive: true);
    }

    internal static Task<(int Code, string Output, string Error)> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string?>(), args);

    internal static async Task<(int Code, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string?> env, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await ConfabCli.RunAsync(args, CliContext.Capture(output, error, k => env.GetValueOrDefault(k)), CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }
}
