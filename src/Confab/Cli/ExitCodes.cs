namespace Confab.Cli;

/// <summary>The documented exit codes of every verb (README, "Exit codes").</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The operation ran and found a problem: drift, a difference, a failed migration, a refused database.</summary>
    public const int Problem = 1;

    /// <summary>Usage error: bad flag or argument, malformed or unknown database URL.</summary>
    public const int Usage = 2;

    /// <summary>Cannot connect or open: unreachable host, wrong password, missing file or database.</summary>
    public const int CannotOpen = 3;

    /// <summary>Stopped by Ctrl-C (128 + SIGINT).</summary>
    public const int Interrupted = 130;
}

/// <summary>A usage error found by a verb after parsing (conflicting options, missing confirmation).</summary>
public sealed class CliUsageException(string message) : Exception(message);
