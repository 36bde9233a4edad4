using Confab.Storage.Migrations;

namespace Confab.Tools.Port;

public enum BadRowPolicy
{
    /// <summary>Stop before writing anything when a row would be rejected by the target.</summary>
    Fail,

    /// <summary>Copy everything else and write each rejected row, whole, to the rejects file.</summary>
    Skip,
}

public sealed record PortOptions
{
    /// <summary>Rows per transaction; each commits with its checkpoint.</summary>
    public int BatchSize { get; init; } = 20_000;

    /// <summary>Parallel workers for index builds (and for verify's two sides).</summary>
    public int Jobs { get; init; } = 2;

    public bool DryRun { get; init; }

    public bool Resume { get; init; }

    public bool Incremental { get; init; }

    public BadRowPolicy OnBadRows { get; init; } = BadRowPolicy.Fail;

    public string? RejectsPath { get; init; }

    public bool Verify { get; init; } = true;

    /// <summary>How often a transient failure (lost connection, full disk, busy file) is retried before the port stops.</summary>
    public int Retries { get; init; } = 4;

    /// <summary>The first back-off; it doubles with each retry.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The migrations of each side; null means the ones this build ships (tests add their own).</summary>
    public MigrationCatalog? SourceCatalog { get; init; }

    public MigrationCatalog? TargetCatalog { get; init; }

    public void Validate()
    {
        if (BatchSize is < 1 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchSize), "--batch-size must be between 1 and 1000000");
        }

        if (Jobs is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(Jobs), "--jobs must be between 1 and 16");
        }

        if (Resume && Incremental)
        {
            throw new ArgumentException("--resume and --incremental do not go together: --incremental already continues from the last pass");
        }

        if (DryRun && (Resume || Incremental))
        {
            throw new ArgumentException("--dry-run plans a full port; it does not go with --resume or --incremental");
        }

        if (OnBadRows == BadRowPolicy.Skip && string.IsNullOrWhiteSpace(RejectsPath))
        {
            throw new ArgumentException("--on-bad-rows skip needs --rejects FILE: every skipped row is written there");
        }
    }
}
