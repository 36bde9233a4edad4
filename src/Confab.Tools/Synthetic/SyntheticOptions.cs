namespace Confab.Tools.Synthetic;

/// <summary>What <c>confab db seed --generate</c> makes.</summary>
public sealed record SyntheticOptions
{
    /// <summary>The password of every generated user, for load tests that log in as them.</summary>
    public const string Password = "confab-synthetic";

    public int Users { get; init; } = 1000;

    public long Messages { get; init; } = 100_000;

    public int Seed { get; init; } = 1;

    /// <summary>Messages generated and written per batch; bounds memory whatever the totals.</summary>
    public int ChunkMessages { get; init; } = 25_000;

    public void Validate()
    {
        if (Users < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(Users), "--users must be at least 2");
        }

        if (Users > 10_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(Users), "--users must be at most 10,000,000");
        }

        if (Messages < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Messages), "--messages must not be negative");
        }

        if (Seed < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Seed), "--seed must not be negative");
        }
    }
}

/// <summary>What a generation run wrote, and where the time went: loading rows, then rebuilding indexes and foreign keys.</summary>
public sealed record SyntheticResult(int Users, int Conversations, long Messages, IReadOnlyDictionary<string, long> RowsByTable, TimeSpan Elapsed)
{
    public TimeSpan LoadTime { get; init; }

    public TimeSpan IndexTime { get; init; }
}
