namespace Confab.Tools.Backup;

/// <summary>What <c>confab db backup</c> was asked for.</summary>
public sealed class BackupOptions
{
    /// <summary>A folder (the backup gets a dated name in it) or a file name. Default: ./backups.</summary>
    public string Out { get; init; } = "backups";

    /// <summary>Keep at most this many backups in the folder (the newest good one always stays).</summary>
    public int? Keep { get; init; }

    /// <summary>Remove backups older than this many days (the newest good one always stays).</summary>
    public int? KeepDays { get; init; }

    /// <summary>Restore the new backup into a scratch database and compare it with the manifest.</summary>
    public bool Verify { get; init; }

    /// <summary>PostgreSQL: more than one writes pg_dump's directory format with that many parallel jobs.</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>"backup", or "safety" for the copy a restore keeps of what it replaces.</summary>
    public string Kind { get; init; } = "backup";
}

/// <summary>What a backup run did.</summary>
public sealed class BackupResult
{
    public required BackupManifest Manifest { get; init; }

    public required string Path { get; init; }

    public IReadOnlyList<string> Pruned { get; set; } = [];

    /// <summary>Null when not verified; otherwise what the verification found (empty: it matches).</summary>
    public IReadOnlyList<string>? VerifyProblems { get; set; }

    public double VerifySeconds { get; set; }
}
