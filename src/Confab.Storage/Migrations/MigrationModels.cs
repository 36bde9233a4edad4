using Confab.Storage.Sql;

namespace Confab.Storage.Migrations;

public enum MigrationState
{
    /// <summary>Recorded in the journal with the checksum of the file this build has.</summary>
    Applied,

    /// <summary>Not applied yet.</summary>
    Pending,

    /// <summary>Applied, but the file changed since.</summary>
    Drift,

    /// <summary>Applied, but this build has no file for it.</summary>
    Unknown,
}

public enum MigrationDirection
{
    Up,
    Down,
}

/// <summary>One line of <c>confab db status</c>.</summary>
public sealed record MigrationStatusRow(
    long Version,
    string Name,
    MigrationState State,
    DateTime? AppliedAt,
    long? ExecutionMs,
    bool OutOfOrder);

public sealed record MigrationStatusReport(
    IReadOnlyList<MigrationStatusRow> Migrations,
    long CurrentVersion,
    long LatestKnownVersion,
    bool DatabaseExists)
{
    public bool HasDrift => Migrations.Any(m => m.State == MigrationState.Drift);

    public bool HasUnknown => Migrations.Any(m => m.State == MigrationState.Unknown);

    public int PendingCount => Migrations.Count(m => m.State == MigrationState.Pending);
}

/// <summary>One migration run (or, in a dry run, to be run) in one direction, with the statements it consists of.</summary>
public sealed record MigrationStep(Migration Migration, MigrationDirection Direction, IReadOnlyList<SqlStatement> Statements, bool InTransaction)
{
    public string File => Direction == MigrationDirection.Up ? Migration.UpFile : Migration.DownFile;

    public long ElapsedMs { get; init; }

    /// <summary>Another runner applied it between our plan and our lock.</summary>
    public bool DoneByOtherRunner { get; init; }
}

public sealed record MigrationRunResult(IReadOnlyList<MigrationStep> Steps, long FromVersion, long ToVersion, bool DryRun);

public sealed record MigrateOptions
{
    /// <summary>Stop at this version; null means the newest known.</summary>
    public long? TargetVersion { get; init; }

    public bool DryRun { get; init; }

    public bool AllowOutOfOrder { get; init; }

    public bool AllowDrift { get; init; }

    /// <summary>Apply only these versions (building a scratch copy of another database's exact history).</summary>
    public IReadOnlySet<long>? OnlyVersions { get; init; }
}

public sealed record RollbackOptions
{
    /// <summary>How many applied migrations to undo, newest first; used when <see cref="TargetVersion"/> is null.</summary>
    public int Steps { get; init; } = 1;

    /// <summary>Undo every migration above this version; 0 empties the schema.</summary>
    public long? TargetVersion { get; init; }

    public bool DryRun { get; init; }
}

/// <summary>A migration failed; its transaction was rolled back and the database is at the previous version.</summary>
public sealed class MigrationFailedException(string message, Exception inner) : ConfabStorageException(message, inner);
