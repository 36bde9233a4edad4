namespace Confab.Tools.Port;

/// <summary>Everything a port did, as written to --report FILE.json.</summary>
public sealed class PortReport
{
    public required string Source { get; init; }

    public required string Target { get; init; }

    public required string Mode { get; init; }

    public DateTime StartedAt { get; init; } = DateTime.UtcNow;

    public double Seconds { get; set; }

    public string Outcome { get; set; } = "running";

    public long SchemaVersion { get; set; }

    public List<PhaseReport> Phases { get; } = [];

    public List<TableReport> Tables { get; } = [];

    /// <summary>Rows the target would reject, by table and key (the rows themselves go to the rejects file).</summary>
    public List<BadRow> BadRows { get; } = [];

    public Verification.VerifyReport? Verify { get; set; }

    public List<string> Notes { get; } = [];

    public TableReport Table(string name)
    {
        var table = Tables.FirstOrDefault(t => t.Name == name);
        if (table is null)
        {
            table = new TableReport { Name = name };
            Tables.Add(table);
        }

        return table;
    }
}

public sealed record PhaseReport(string Name, double Seconds, string? Detail);

public sealed class TableReport
{
    public required string Name { get; init; }

    public long SourceRows { get; set; }

    public long Copied { get; set; }

    public long Rejected { get; set; }

    public long Inserted { get; set; }

    public long Updated { get; set; }

    public long Deleted { get; set; }

    public double Seconds { get; set; }

    public double RowsPerSecond => Seconds > 0 ? Math.Round(Copied / Seconds) : 0;

    public string? ChangeDetection { get; set; }
}

/// <summary>A row the target would reject: where it is and why.</summary>
public sealed record BadRow(string Table, string Key, string Reason);
