using System.Diagnostics.Metrics;

namespace Confab.Server.Monitoring;

/// <summary>
/// Confab's own instruments (meter "Confab"). HTTP requests come from ASP.NET Core's hosting meter, PostgreSQL pool
/// and command figures from Npgsql's, database write latency from "Confab.Storage"; <see cref="PrometheusExporter"/>
/// publishes all of them.
/// </summary>
public sealed class ConfabMetrics
{
    public const string MeterName = "Confab";

    private readonly Counter<long> frames;
    private readonly Histogram<double> sendDuration;
    private readonly Counter<long> maintenanceRuns;
    private readonly Counter<long> maintenanceRows;
    private long lastMaintenance;
    private Func<int>? connections;

    public ConfabMetrics(IMeterFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var meter = factory.Create(MeterName);
        meter.CreateObservableGauge("confab.ws.connections", () => connections?.Invoke() ?? 0, "{connection}", "WebSocket connections that passed hello");
        frames = meter.CreateCounter<long>("confab.ws.frames", "{frame}", "WebSocket frames received (in) and sent (out)");
        sendDuration = meter.CreateHistogram<double>("confab.messages.send.duration", "s", "From a send arriving (REST or socket) to its commit and acknowledgement");
        maintenanceRuns = meter.CreateCounter<long>("confab.maintenance.runs", "{run}", "Scheduled maintenance runs by outcome");
        maintenanceRows = meter.CreateCounter<long>("confab.maintenance.rows", "{row}", "Rows removed by scheduled maintenance, by kind");
        meter.CreateObservableGauge("confab.maintenance.last_success", () => Interlocked.Read(ref lastMaintenance), "s", "Unix time of the last maintenance run that succeeded (0: none yet)");
    }

    public void ObserveConnections(Func<int> count) => connections = count;

    public void FrameReceived() => frames.Add(1, new KeyValuePair<string, object?>("direction", "in"));

    public void FrameSent() => frames.Add(1, new KeyValuePair<string, object?>("direction", "out"));

    public void Sent(TimeSpan elapsed, string outcome) => sendDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("outcome", outcome));

    public void MaintenanceRan(bool succeeded, DateTimeOffset at)
    {
        maintenanceRuns.Add(1, new KeyValuePair<string, object?>("outcome", succeeded ? "success" : "failure"));
        if (succeeded)
        {
            Interlocked.Exchange(ref lastMaintenance, at.ToUnixTimeSeconds());
        }
    }

    public void MaintenanceRemoved(string kind, long rows) => maintenanceRows.Add(rows, new KeyValuePair<string, object?>("kind", kind));
}
