using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Confab.IntegrationTests;

/// <summary>`confab --version` of the built binary names its version and the commit it was built from.</summary>
public class VersionTests
{
    [Fact]
    public async Task Version_prints_the_version_and_the_commit_the_binary_was_built_from()
    {
        var (code, output, _) = await ConfabProcess.RunAsync("--version");
        Assert.Equal(0, code);
        var match = Regex.Match(output.Trim(), @"^confab (?<version>\d+\.\d+\.\d+\S*) commit (?<commit>[0-9a-f]{40}|unknown) \.NET \d+\.\d+\.\d+", RegexOptions.None, TimeSpan.FromSeconds(1));
        Assert.True(match.Success, $"unexpected --version output: {output}");
        Assert.Equal(typeof(Confab.Cli.ConfabCli).Assembly.GetName().Version!.ToString(3), match.Groups["version"].Value);
        Assert.Equal(await HeadAsync() ?? "unknown", match.Groups["commit"].Value);
    }

    /// <summary>The checkout's HEAD, which the build just embedded; null where the tests run without git.</summary>
    private static async Task<string?> HeadAsync()
    {
        try
        {
            var start = new ProcessStartInfo("git", ["rev-parse", "HEAD"]) { WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
            using var git = Process.Start(start)!;
            var head = await git.StandardOutput.ReadToEndAsync();
            await git.WaitForExitAsync();
            return git.ExitCode == 0 ? head.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
