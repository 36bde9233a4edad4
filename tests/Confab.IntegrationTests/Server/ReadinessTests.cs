using System.Net;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

public class ReadinessTests
{
    /// <summary>An anonymous probe learns that the database is unavailable, not the database's error text (paths, hosts, roles).</summary>
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Readiness_with_the_database_unavailable_answers_a_status_without_the_database_error(string engine)
    {
        // An SQLite file that was never created; a PostgreSQL database that does not exist.
        var database = await TestDatabase.CreateAsync(engine, create: false);
        await using var server = await ServerHost.StartAsync(database, new Dictionary<string, string?> { ["Server:Migrate"] = "false" });
        var response = await server.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("database_unavailable", body.GetProperty("status").GetString());
        Assert.Equal(["status", "schemaVersion", "latestKnownVersion"], body.EnumerateObject().Select(p => p.Name));
        Assert.DoesNotContain(database.Target.DatabaseName ?? Path.GetFileName(database.Target.SqlitePath!), text, StringComparison.OrdinalIgnoreCase);
    }
}
