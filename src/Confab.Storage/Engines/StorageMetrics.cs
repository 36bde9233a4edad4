using System.Diagnostics.Metrics;

namespace Confab.Storage.Engines;

/// <summary>
/// The storage layer's instruments (meter "Confab.Storage", process-wide): how long write transactions take, and on
/// SQLite how long a write waits for the single writer. PostgreSQL's pool and command figures come from Npgsql's own
/// meter ("Npgsql").
/// </summary>
public static class StorageMetrics
{
    public const string MeterName = "Confab.Storage";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<double> WriteDuration = Meter.CreateHistogram<double>(
        "confab.db.write.duration", "s", "Write transactions from BEGIN to COMMIT");

    private static readonly Histogram<double> WriterWait = Meter.CreateHistogram<double>(
        "confab.db.writer.wait.duration", "s", "SQLite: time a write waited for the single writer of the process");

    internal static void Wrote(DatabaseEngine engine, TimeSpan elapsed, bool committed) =>
        WriteDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("engine", engine.Name()), new KeyValuePair<string, object?>("outcome", committed ? "commit" : "rollback"));

    internal static void WaitedForWriter(TimeSpan elapsed) => WriterWait.Record(elapsed.TotalSeconds);
}
