using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Confab.Tools.Port;

/// <summary>
/// A port's progress as instruments (meter "Confab.Port"), for a Prometheus scrape while a long port runs
/// (<c>confab db port --metrics-port</c>): rows done and expected per phase and table, and the phase under way.
/// Every series is labelled with the target, so two ports in one process stay apart. Passes each report on to
/// <paramref name="inner"/> (the terminal display).
/// </summary>
public sealed class PortMetrics : IPortProgress, IDisposable
{
    public const string MeterName = "Confab.Port";

    private readonly IPortProgress inner;
    private readonly Meter meter = new(MeterName);
    private readonly ConcurrentDictionary<(string Phase, string Item), (long Done, long Total)> work = new();
    private readonly KeyValuePair<string, object?> target;
    private string phase = "starting";

    public PortMetrics(string targetDisplay, IPortProgress? inner = null)
    {
        this.inner = inner ?? NoPortProgress.Instance;
        target = new KeyValuePair<string, object?>("target", targetDisplay);
        meter.CreateObservableGauge("confab.port.rows", () => Points(w => w.Done), "{row}", "Rows (or build steps) done per phase and table");
        meter.CreateObservableGauge("confab.port.rows.expected", () => Points(w => w.Total), "{row}", "Rows (or build steps) expected per phase and table; -1 when unknown");
        meter.CreateObservableGauge("confab.port.phase", () => new Measurement<int>(1, target, new KeyValuePair<string, object?>("phase", Volatile.Read(ref phase))), null, "The phase under way (value 1)");
    }

    public void PhaseStarted(string phase)
    {
        Volatile.Write(ref this.phase, phase);
        inner.PhaseStarted(phase);
    }

    public void WorkStarted(string phase, string item, long total)
    {
        work[(phase, item)] = (0, total);
        inner.WorkStarted(phase, item, total);
    }

    public void Advanced(string phase, string item, long done)
    {
        work.AddOrUpdate((phase, item), _ => (done, -1), (_, w) => (done, w.Total));
        inner.Advanced(phase, item, done);
    }

    public void WorkFinished(string phase, string item)
    {
        work.AddOrUpdate((phase, item), _ => (0, 0), (_, w) => (w.Total > 0 ? w.Total : w.Done, w.Total > 0 ? w.Total : w.Done));
        inner.WorkFinished(phase, item);
    }

    /// <summary>Marks the end, so a last scrape sees the outcome rather than the last phase.</summary>
    public void Finished(string outcome) => Volatile.Write(ref phase, outcome);

    public void Dispose() => meter.Dispose();

    private IEnumerable<Measurement<long>> Points(Func<(long Done, long Total), long> pick) =>
        work.Select(w => new Measurement<long>(pick(w.Value), target, new KeyValuePair<string, object?>("phase", w.Key.Phase), new KeyValuePair<string, object?>("table", w.Key.Item)));
}
