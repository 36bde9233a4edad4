namespace Confab.Tools.Verification;

/// <summary>The outcome of comparing two databases table by table, as printed and written to --report.</summary>
public sealed class VerifyReport
{
    public required string Source { get; init; }

    public required string Target { get; init; }

    public double Seconds { get; set; }

    public bool Matches => Tables.All(t => t.Matches) && Problems.Count == 0;

    public List<TableVerification> Tables { get; } = [];

    /// <summary>Differences that are not about rows: a table on one side only, a column that differs.</summary>
    public List<string> Problems { get; } = [];
}

public sealed class TableVerification
{
    public required string Name { get; init; }

    public long SourceRows { get; set; }

    public long TargetRows { get; set; }

    public int Chunks { get; set; }

    public string SourceChecksum { get; set; } = string.Empty;

    public string TargetChecksum { get; set; } = string.Empty;

    /// <summary>Source rows a port rejected on purpose (see its rejects file): absent from the target, and not a difference.</summary>
    public long Rejected { get; set; }

    /// <summary>Rows that differ: missing in the target, extra in the target, or different content.</summary>
    public long Differences { get; set; }

    public bool Matches => Differences == 0;

    /// <summary>The key ranges whose checksums differ (capped).</summary>
    public List<ChunkDifference> DifferingChunks { get; } = [];

    /// <summary>The differing rows by key (capped).</summary>
    public List<KeyDifference> DifferingKeys { get; } = [];

    public double Seconds { get; set; }
}

public sealed record ChunkDifference(string FirstKey, string LastKey, long SourceRows, long TargetRows, string SourceChecksum, string TargetChecksum);

public sealed record KeyDifference(string Key, string Kind, IReadOnlyList<string>? Columns);
