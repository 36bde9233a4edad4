using System.Diagnostics;

namespace Confab.IntegrationTests.Server;

/// <summary>`confab serve` as a process: settings checked at start, and a clean stop on SIGTERM.</summary>
public class ServeProcessTests
{
    [Fact]
    public async Task A_bad_setting_stops_the_server_with_exit_code_2_before_touching_the_database()
    {
        await using var test = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var (code, _, error) = await ConfabProcess.RunAsync(
            new Dictionary<string, string> { ["CONFAB_AUTH__ACCESSTOKENMINUTES"] = "100" }, "serve", "--db", test.Url, "--urls", "http://127.0.0.1:0");
        Assert.Equal(2, code);
        Assert.Contains("AccessTokenMinutes", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.False(File.Exists(test.Target.SqlitePath));
    }

    [Fact]
    public async Task Sigterm_stops_the_server_cleanly()
    {
        await using var test = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var port = ConfabProcess.FreePort();
        using var process = ConfabProcess.Start("serve", "--db", test.Url, "--urls", $"http://127.0.0.1:{port}");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await ConfabProcess.WaitReadyAsync(client);

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, process.ExitCode);
    }
}
