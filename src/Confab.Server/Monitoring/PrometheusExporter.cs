using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Confab.Server.Monitoring;

/// <summary>
/// Listens to the process's meters and renders what they recorded in the Prometheus text format (version 0.0.4):
/// counters as <c>_total</c>, up-down counters and gauges as gauges, histograms as cumulative buckets with sum and
/// count. Meters of this server's own meter factory are included (Confab, ASP.NET Core hosting and Kestrel), and
/// the process-wide ones of the storage layer, Npgsql and a port in progress.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private static readonly double[] SecondsBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
    private static readonly HashSet<string> ProcessWideMeters = ["Confab.Storage", "Npgsql", "Confab.Port"];
    private static readonly HashSet<string> ScopedMeters = [ConfabMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections"];

    private readonly MeterListener listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> series = new();

    /// <param name="factory">The server's meter factory; null outside a server (a CLI verb), for the process-wide meters alone.</param>
    public PrometheusExporter(IMeterFactory? factory)
    {
        listener.InstrumentPublished = (instrument, l) =>
        {
            var scoped = factory is not null && ScopedMeters.Contains(instrument.Meter.Name) && ReferenceEquals(instrument.Meter.Scope, factory);
            if (scoped || (ProcessWideMeters.Contains(instrument.Meter.Name) && instrument.Meter.Scope is null))
            {
                series[instrument] = new Series(instrument);
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.MeasurementsCompleted = (instrument, _) => series.TryRemove(instrument, out Series? _);
        listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        listener.Start();
    }

    public string Render()
    {
        listener.RecordObservableInstruments();
        var text = new StringBuilder();
        foreach (var group in series.Values.GroupBy(s => s.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            group.First().WriteHeader(text);
            foreach (var s in group)
            {
                s.WritePoints(text);
            }
        }

        return text.ToString();
    }

    public void Dispose() => listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (series.TryGetValue(instrument, out var s))
        {
            s.Record(value, tags);
        }
    }

    /// <summary>One instrument's points, one per distinct set of tags.</summary>
    private sealed class Series(Instrument instrument)
    {
        private readonly ConcurrentDictionary<string, Point> points = new(StringComparer.Ordinal);
        private readonly bool histogram = instrument.GetType().Name.StartsWith("Histogram", StringComparison.Ordinal);
        private readonly bool cumulative = instrument.GetType().Name.StartsWith("Counter", StringComparison.Ordinal) || instrument.GetType().Name.StartsWith("ObservableCounter", StringComparison.Ordinal);
        private readonly bool observed = instrument.IsObservable || instrument.GetType().Name.StartsWith("Gauge", StringComparison.Ordinal);

        public string Name { get; } = PrometheusName(instrument);

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var labels = PrometheusLabels.Write(tags);
            if (!points.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(labels, out var point))
            {
                point = points.GetOrAdd(labels.ToString(), _ => new Point(histogram ? Buckets(instrument) : []));
            }

            lock (point)
            {
                if (histogram)
                {
                    point.Observe(value);
                }
                else if (observed)
                {
                    point.Value = value;
                }
                else
                {
                    point.Value += value;
                }
            }
        }

        public void WriteHeader(StringBuilder text)
        {
            var type = histogram ? "histogram" : cumulative ? "counter" : "gauge";
            text.Append("# HELP ").Append(Name).Append(' ').Append((instrument.Description ?? instrument.Name).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal)).Append('\n');
            text.Append("# TYPE ").Append(Name).Append(' ').Append(type).Append('\n');
        }

        public void WritePoints(StringBuilder text)
        {
            foreach (var (labels, point) in points.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                lock (point)
                {
                    if (!histogram)
                    {
                        Line(text, Name, labels, null, point.Value);
                        continue;
                    }

                    long running = 0;
                    for (var i = 0; i < point.Bounds.Length; i++)
                    {
                        running += point.Counts[i];
                        Line(text, Name + "_bucket", labels, Number(point.Bounds[i]), running);
                    }

                    Line(text, Name + "_bucket", labels, "+Inf", point.Count);
                    Line(text, Name + "_sum", labels, null, point.Sum);
                    Line(text, Name + "_count", labels, null, point.Count);
                }
            }
        }

        private static void Line(StringBuilder text, string name, string labels, string? le, double value)
        {
            text.Append(name);
            if (labels.Length > 0 || le is not null)
            {
                text.Append('{').Append(labels);
                if (le is not null)
                {
                    text.Append(labels.Length > 0 ? "," : string.Empty).Append("le=\"").Append(le).Append('"');
                }

                text.Append('}');
            }

            text.Append(' ').Append(Number(value)).Append('\n');
        }

        private static string Number(double value) => double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);

        private static double[] Buckets(Instrument instrument) =>
            instrument switch
            {
                Histogram<double> { Advice.HistogramBucketBoundaries: { } advised } => [.. advised],
                Histogram<long> { Advice.HistogramBucketBoundaries: { } advised } => [.. advised.Select(b => (double)b)],
                _ when instrument.Unit is "s" => SecondsBuckets,
                _ => [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
            };

        private static string PrometheusName(Instrument instrument)
        {
            var name = Sanitize(instrument.Name);
            var unit = instrument.Unit switch
            {
                "s" => "_seconds",
                "ms" => "_milliseconds",
                "By" => "_bytes",
                _ => string.Empty,
            };
            if (unit.Length > 0 && !name.Contains(unit.TrimStart('_'), StringComparison.Ordinal))
            {
                name += unit;
            }

            return instrument.GetType().Name.StartsWith("Counter", StringComparison.Ordinal) || instrument.GetType().Name.StartsWith("ObservableCounter", StringComparison.Ordinal)
                ? name + "_total"
                : name;
        }

        private static string Sanitize(string name)
        {
            var chars = name.ToCharArray();
            for (var i = 0; i < chars.Length; i++)
            {
                if (!(char.IsAsciiLetterOrDigit(chars[i]) || chars[i] == '_'))
                {
                    chars[i] = '_';
                }
            }

            return char.IsAsciiDigit(chars[0]) ? "_" + new string(chars) : new string(chars);
        }
    }

    private sealed class Point(double[] bounds)
    {
        public double[] Bounds { get; } = bounds;

        public long[] Counts { get; } = new long[bounds.Length];

        public double Value { get; set; }

        public double Sum { get; private set; }

        public long Count { get; private set; }

        public void Observe(double value)
        {
            for (var i = 0; i < Bounds.Length; i++)
            {
                if (value <= Bounds[i])
                {
                    Counts[i]++;
                    break;
                }
            }

            Sum += value;
            Count++;
        }
    }
}
