using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Confab.Cli;

/// <summary>
/// <c>confab --version</c>: the version and the git commit this binary was built from (embedded at build time as
/// SourceRevisionId, "unknown" where the source had no git), and the runtime it runs on.
/// </summary>
internal static class VersionInfo
{
    /// <summary>The version without the commit, e.g. <c>0.1.0</c>.</summary>
    public static string Version => Split().Version;

    /// <summary>The full commit id, or <c>unknown</c>.</summary>
    public static string Commit => Split().Commit;

    /// <summary>One line: <c>confab 0.1.0 commit 0123abcd… .NET 10.0.1 linux-x64</c>.</summary>
    public static string Describe() =>
        $"confab {Version} commit {Commit} .NET {Environment.Version} {RuntimeInformation.RuntimeIdentifier}";

    /// <summary>Replaces System.CommandLine's own --version, which prints the raw informational version only.</summary>
    public static void Install(RootCommand root, CliContext context)
    {
        foreach (var option in root.Options.OfType<VersionOption>())
        {
            option.Action = new PrintAction(context);
        }
    }

    private static (string Version, string Commit) Split()
    {
        var informational = typeof(VersionInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (informational, "unknown") : (informational[..plus], informational[(plus + 1)..]);
    }

    private sealed class PrintAction(CliContext context) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            context.Out.Profile.Out.Writer.WriteLine(Describe());
            return ExitCodes.Success;
        }
    }
}
