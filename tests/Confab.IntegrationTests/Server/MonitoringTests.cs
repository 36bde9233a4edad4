using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

public class MonitoringTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Metrics_are_served_to_admins_in_prometheus_text_with_routes_sends_and_database_figures(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (admin, _) = await ConversationApiTests.UserAsync(server, "root");
        var (user, userId) = await ConversationApiTests.UserAsync(server, "metered");
        var conversation = await ConversationApiTests.DirectAsync(admin, userId);
        var sent = await admin.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { clientMsgId = "m1", body = "counted" });
        Assert.True(sent.IsSuccessStatusCode, await sent.Content.ReadAsStringAsync());

        await (await user.GetAsync("/metrics")).AssertProblemAsync(403, "forbidden");
        await (await server.Client.GetAsync("/metrics")).AssertProblemAsync(401, "unauthenticated");
        var response = await admin.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        var text = await response.Content.ReadAsStringAsync();

        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/api/v1/conversations/{id:guid}/messages\"", text, StringComparison.Ordinal);
        Assert.Contains("confab_messages_send_duration_seconds_count{outcome=\"created\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("confab_ws_connections 0\n", text, StringComparison.Ordinal);
        Assert.Contains($"confab_db_write_duration_seconds_count{{engine=\"{engine}\",outcome=\"commit\"}}", text, StringComparison.Ordinal);
        if (engine == TestDatabase.Postgres)
        {
            // Npgsql's own meter: the pool by state, and command latency.
            Assert.Contains("db_client_connection_count{", text, StringComparison.Ordinal);
            Assert.Contains("db_client_operation_duration_seconds_count{", text, StringComparison.Ordinal);
        }

        // Every sample line is "name{labels} number" or "name number".
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')))
        {
            var value = line[(line.LastIndexOf(' ') + 1)..];
            Assert.True(value == "+Inf" || double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out _), line);
        }
    }

    [Fact]
    public async Task A_metrics_port_serves_metrics_there_without_a_token_and_nowhere_else()
    {
        var port = ConfabProcess.FreePort();
        await using var server = await ServerHost.StartAsync(TestDatabase.Sqlite, new Dictionary<string, string?> { ["Metrics:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var (admin, _) = await ConversationApiTests.UserAsync(server, "root");

        using var prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var scraped = await prometheus.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
        Assert.Contains("http_server_request_duration_seconds", await scraped.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/metrics")).StatusCode);

        // The main port's routes are not on the metrics port's host header alone: the port decides.
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        spoofed.Headers.Host = $"127.0.0.1:{port}";
        Assert.Equal(HttpStatusCode.NotFound, (await admin.SendAsync(spoofed)).StatusCode);
    }

    [Fact]
    public async Task Json_logs_carry_the_request_id_that_the_response_names()
    {
        await using var test = await TestDatabase.CreateAsync(TestDatabase.Sqlite);
        var port = ConfabProcess.FreePort();
        using var process = ConfabProcess.StartCapturing("serve", "--db", test.Url, "--urls", $"http://127.0.0.1:{port}", "--log-format", "json");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        await ConfabProcess.WaitReadyAsync(client);

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/me");
        request.Headers.Add("X-Request-Id", "client-chosen-42");
        var response = await client.SendAsync(request);
        var problem = await response.AssertProblemAsync(401, "unauthenticated");
        var requestId = Assert.Single(response.Headers.GetValues("X-Request-Id"));
        Assert.Equal(requestId, problem.GetProperty("requestId").GetString());

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length > 0, await errors);
        var entries = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.All(entries, e => Assert.True(e.TryGetProperty("LogLevel", out _)));
        var tied = entries.Where(e => e.TryGetProperty("Scopes", out var scopes)
            && scopes.EnumerateArray().Any(s => s.TryGetProperty("RequestId", out var id) && id.GetString() == requestId)).ToList();
        Assert.NotEmpty(tied);
        Assert.Contains(tied, e => e.GetProperty("Scopes").EnumerateArray().Any(s => s.TryGetProperty("ClientRequestId", out var id) && id.GetString() == "client-chosen-42"));
    }
}
