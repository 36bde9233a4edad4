using System.Reflection;

namespace Confab.Server.Monitoring;

/// <summary>What an administrator asks of one node besides the database's figures: the build it runs and since when.</summary>
public sealed class NodeFacts(TimeProvider clock)
{
    /// <summary>When the node started serving (created just before it starts listening).</summary>
    public DateTime StartedAt { get; } = clock.GetUtcNow().UtcDateTime;

    /// <summary>The version of this build without its commit, e.g. <c>0.1.0</c>.</summary>
    public string Version { get; } = BuildVersion();

    private static string BuildVersion()
    {
        var informational = typeof(NodeFacts).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? informational : informational[..plus];
    }
}
