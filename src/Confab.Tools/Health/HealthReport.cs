namespace Confab.Tools.Health;

/// <summary>How much a finding matters. The report's exit code is 1 when anything is <see cref="Critical"/>.</summary>
public enum Severity
{
    Ok,
    Info,
    Warning,
    Critical,
}

/// <summary>One check's outcome: what was found, the evidence, and what to do about it.</summary>
public sealed record HealthFinding(string Check, Severity Severity, string Summary)
{
    public IReadOnlyList<string> Details { get; init; } = [];

    /// <summary>The suggested fix, as a command or setting where there is one.</summary>
    public string? Fix { get; init; }
}

/// <summary>What <c>confab db doctor</c> found.</summary>
public sealed class HealthReport
{
    public required string Database { get; init; }

    public required string Engine { get; init; }

    public List<HealthFinding> Findings { get; } = [];

    public bool HasCritical => Findings.Any(f => f.Severity == Severity.Critical);

    public double Seconds { get; set; }
}

/// <summary>Thresholds of the checks; the defaults suit a production chat.</summary>
public sealed class DoctorOptions
{
    /// <summary>An active query running longer than this is reported (10 times longer: critical).</summary>
    public TimeSpan LongRunning { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>A session idle inside a transaction longer than this is reported (10 times longer: critical).</summary>
    public TimeSpan IdleInTransaction { get; init; } = TimeSpan.FromMinutes(1);
}
