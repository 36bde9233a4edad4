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

    public override string ToString() => Display;
}
