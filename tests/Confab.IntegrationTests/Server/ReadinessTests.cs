using System.Net;
using System.Text.Json;
using Confab.Storage.Engines;
using Npgsql;

namespace Confab.IntegrationTests.Server;

public class ReadinessTests
{
    /// <summary>An anonymous probe learns that the database is unavailable, not the database's error text (paths, hosts, roles).</summary>
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Readiness_with_the_database_unavailable_answers_a_status_without_the_database_error(string engine)
    {
        // An SQLite file that was never created; a PostgreSQL database dropped under the running server.
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?> { ["Server:Migrate"] = engine == TestDatabase.Postgres ? "true" : "false" });
        var database = server.Database;
        if (engine == TestDatabase.Postgres)
        {
            await PostgresDatabase.DropDatabaseAsync(TestDatabase.PostgresServer, database.Target.DatabaseName!, CancellationToken.None);
            NpgsqlConnection.ClearAllPools();
        }

        var response = await server.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(text).RootElement;
        Assert.Equal("database_unavailable", body.GetProperty("status").GetString());
        Assert.Equal(["status", "schemaVersion", "latestKnownVersion"], body.EnumerateObject().Select(p => p.Name));
        Assert.DoesNotContain(database.Target.DatabaseName ?? Path.GetFileName(database.Target.SqlitePath!), text, StringComparison.OrdinalIgnoreCase);
    }
}
