namespace Confab.Storage.Engines;

/// <summary>
/// A parsed database URL: which engine, the driver's connection string, and a form that is safe to print.
/// </summary>
public sealed record DatabaseTarget(DatabaseEngine Engine, string ConnectionString, string Display)
{
    /// <summary>The SQLite file path (or ":memory:"); null for PostgreSQL.</summary>
    public string? SqlitePath { get; init; }

    /// <summary>The PostgreSQL database name; null for SQLite.</summary>
    public string? DatabaseName { get; init; }

    public bool IsInMemory => SqlitePath == ":memory:";

    /// <summary>SQLite's synchronous setting: NORMAL (durable across process crashes) or FULL (also across power loss).</summary>
    public string SqliteSynchronous { get; init; } = "NORMAL";

    /// <summary>How long an SQLite connection waits for another process's write lock.</summary>
    public TimeSpan SqliteBusyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    public override string ToString() => Display;
}
