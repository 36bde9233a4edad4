using Confab.Server.Monitoring;
using Confab.Tools.Port;

namespace Confab.IntegrationTests.Port;

public class PortMetricsTests
{
    [Fact]
    public async Task A_ports_progress_is_published_per_phase_and_table_for_prometheus()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 300);
        await using var target = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);
        using var exporter = new PrometheusExporter(null);
        string during;
        using (var metrics = new PortMetrics(target.Target.Display))
        {
            var report = await PortFixtures.PortAsync(source, target, progress: metrics);
            Assert.Equal("complete", report.Outcome);
            during = exporter.Render();
        }

        var messages = await PortFixtures.CountAsync(source, "messages");
        var labels = $"phase=\"copy\",table=\"messages\",target=\"{target.Target.Display}\"";
        Assert.Contains($"confab_port_rows{{{labels}}} {messages}\n", during, StringComparison.Ordinal);
        Assert.Contains($"confab_port_rows_expected{{{labels}}} {messages}\n", during, StringComparison.Ordinal);
        Assert.Contains($"confab_port_phase{{phase=\"verify\",target=\"{target.Target.Display}\"}} 1\n", during, StringComparison.Ordinal);
        Assert.DoesNotContain("target=\"" + target.Target.Display + "\"", exporter.Render(), StringComparison.Ordinal);
    }
}
