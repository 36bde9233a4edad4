namespace Confab.IntegrationTests.Operations;

/// <summary>A temporary folder removed on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("confab-ops-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>A clock the test sets.</summary>
internal sealed class ManualClock(DateTime start) : TimeProvider
{
    public DateTime Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => new(Now, TimeSpan.Zero);
}
