using System.Diagnostics.Metrics;
using Confab.Server.Monitoring;

namespace Confab.Tests;

public class PrometheusExporterTests
{
    [Fact]
    public void Labels_are_sorted_and_escaped_and_one_tag_set_is_one_series_whatever_its_order()
    {
        using var exporter = new PrometheusExporter(null);
        using var meter = new Meter("Confab.Storage");
        var counter = meter.CreateCounter<long>("test.labels", "{thing}", "labels");
        counter.Add(1, new("zeta", "a\"b\\c\nd"), new("alpha", 404));
        counter.Add(2, new("alpha", 404), new("zeta", "a\"b\\c\nd"));

        Assert.Contains("test_labels_total{alpha=\"404\",zeta=\"a\\\"b\\\\c\\nd\"} 3\n", exporter.Render(), StringComparison.Ordinal);
    }

    [Fact]
    public void Recording_into_a_series_that_exists_allocates_nothing()
    {
        using var exporter = new PrometheusExporter(null);
        using var meter = new Meter("Confab.Storage");
        var histogram = meter.CreateHistogram<double>("test.duration", "s", "a hot path");
        var engine = new KeyValuePair<string, object?>("engine", "sqlite");
        var outcome = new KeyValuePair<string, object?>("outcome", "commit");
        histogram.Record(0.002, engine, outcome);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            histogram.Record(0.002, engine, outcome);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Contains("test_duration_seconds_count{engine=\"sqlite\",outcome=\"commit\"} 1001\n", exporter.Render(), StringComparison.Ordinal);
    }
}
