using System.Text.Json;
using Confab.IntegrationTests.Port;
using Confab.IntegrationTests.Server;
using Confab.Storage.Engines;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Confab.IntegrationTests.Operations;

public class MaintenanceTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Maintain_purges_finished_sessions_and_spent_or_stale_prekeys_and_a_dry_run_changes_nothing(string engine)
    {
        await using var source = await PortFixtures.SourceAsync(engine, messages: 50);
        var planted = await PlantAsync(source);

        var dry = await ConfabProcess.RunAsync("db", "maintain", "--db", source.Url, "--dry-run", "--json");
        Assert.True(dry.Code == 0, dry.Error);
        using (var json = JsonDocument.Parse(dry.Output))
        {
            var steps = json.RootElement.GetProperty("steps").EnumerateArray().ToDictionary(s => s.GetProperty("action").GetString()!);
            Assert.Equal(2, steps["purge sessions"].GetProperty("rows").GetInt64());
            Assert.Equal(2, steps["purge prekeys"].GetProperty("rows").GetInt64());
            Assert.All(steps.Values, s => Assert.False(s.GetProperty("done").GetBoolean()));
        }

        Assert.Equal(planted.Sessions.Count, await CountAsync(source, "SELECT count(*) FROM auth_sessions"));
        Assert.Equal(4, await CountAsync(source, "SELECT count(*) FROM one_time_prekeys"));

        var run = await ConfabProcess.RunAsync("db", "maintain", "--db", source.Url, "--rebuild-search");
        Assert.True(run.Code == 0, run.Error + run.Output);
        Assert.Contains(engine == TestDatabase.Sqlite ? "done rebuild messages_fts" : "done REINDEX search indexes", run.Output, StringComparison.Ordinal);
        if (engine == TestDatabase.Sqlite)
        {
            Assert.Contains("done WAL checkpoint (TRUNCATE)", run.Output, StringComparison.Ordinal);
            Assert.Equal(1, await CountAsync(source, "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '\"こんにちは\"'"));
        }

        // Kept: the live family whole (its rotated, expired token too: replays are recognised by it) and the one revoked two days ago.
        await using var db = source.Open();
        await using var connection = await db.OpenConnectionAsync(None);
        var families = (await connection.QueryAsync<Guid>("SELECT DISTINCT family_id FROM auth_sessions")).Order().ToList();
        Assert.Equal(new[] { planted.Live, planted.RecentlyRevoked }.Order().ToList(), families);
        Assert.Equal(3, await CountAsync(source, "SELECT count(*) FROM auth_sessions"));
        var keys = (await connection.QueryAsync<long>("SELECT key_id FROM one_time_prekeys ORDER BY key_id")).ToList();
        Assert.Equal([2L, 4L], keys);
    }

    [Fact]
    public async Task Maintain_vacuum_gives_the_free_pages_of_an_sqlite_file_back()
    {
        await using var source = await TestDatabase.MigratedAsync(TestDatabase.Sqlite);
        await using (var db = source.Open())
        {
            await db.WriteAsync(
                (connection, transaction) => connection.ExecuteAsync(
                    """
                    CREATE TABLE scratch (id INTEGER PRIMARY KEY, filler BLOB);
                    WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO scratch SELECT i, randomblob(2000) FROM n;
                    DROP TABLE scratch;
                    """,
                    transaction: transaction),
                None);
        }

        Assert.True(await CountAsync(source, "PRAGMA freelist_count") > 500);
        var before = FileBytes(source);

        var run = await ConfabProcess.RunAsync("db", "maintain", "--db", source.Url, "--vacuum");
        Assert.True(run.Code == 0, run.Error + run.Output);
        Assert.Contains("done VACUUM", run.Output, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(source, "PRAGMA freelist_count"));
        Assert.True(FileBytes(source) < before / 2, $"{FileBytes(source)} bytes after, {before} before");
    }

    /// <summary>The SQLite file with its write-ahead log: what the data occupies on disk.</summary>
    private static long FileBytes(TestDatabase test) =>
        new FileInfo(test.Target.SqlitePath!).Length + (new FileInfo(test.Target.SqlitePath + "-wal") is { Exists: true } wal ? wal.Length : 0);

    [Fact]
    public async Task Maintain_vacuums_the_postgres_tables_whose_statistics_show_dead_rows()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Postgres, messages: 600);
        await using (var connection = new Npgsql.NpgsqlConnection(source.Target.ConnectionString))
        {
            await connection.OpenAsync();
            // Autovacuum must not get there first, between the delete and the maintenance run.
            await connection.ExecuteAsync("ALTER TABLE reactions SET (autovacuum_enabled = false)");
            var deleted = await connection.ExecuteAsync("DELETE FROM reactions");
            Assert.True(deleted > 50, $"only {deleted} reactions to delete");

            // Statistics reach the shared counters when the session flushes them; make that happen now.
            await connection.ExecuteAsync("SELECT pg_stat_force_next_flush()");
            await connection.ExecuteAsync("SELECT 1");
        }

        var dry = await ConfabProcess.RunAsync("db", "maintain", "--db", source.Url, "--dry-run");
        Assert.True(dry.Code == 0, dry.Error);
        Assert.Contains("would VACUUM (ANALYZE) reactions (", dry.Output, StringComparison.Ordinal);
        Assert.Matches(@"would VACUUM \(ANALYZE\) reactions \(\d+ dead rows beside \d+ live", dry.Output);

        var run = await ConfabProcess.RunAsync("db", "maintain", "--db", source.Url);
        Assert.True(run.Code == 0, run.Error);
        Assert.Contains("done VACUUM (ANALYZE) reactions", run.Output, StringComparison.Ordinal);
        Assert.NotEqual(0L, await CountAsync(source, "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'reactions' AND last_vacuum IS NOT NULL"));
    }

    [Fact]
    public async Task The_server_runs_the_light_maintenance_itself_and_reports_it_in_metrics()
    {
        await using var server = await ServerHost.StartAsync(TestDatabase.Sqlite);
        var (admin, _) = await ConversationApiTests.UserAsync(server, "root");
        var planted = await PlantAsync(server.Database);

        var job = server.Services.GetServices<IHostedService>().OfType<Confab.Server.Maintenance.MaintenanceJob>().Single();
        await job.RunOnceAsync(new Confab.Chat.Housekeeping.HousekeepingPolicy(), None);

        Assert.Equal(planted.Sessions.Count - 2, await CountAsync(server.Database, $"SELECT count(*) FROM auth_sessions WHERE family_id IN ('{string.Join("','", planted.Sessions.Select(s => s.Family))}')"));
        var metrics = await (await admin.GetAsync("/metrics")).Content.ReadAsStringAsync();
        Assert.Contains("confab_maintenance_runs_total{outcome=\"success\"} 1\n", metrics, StringComparison.Ordinal);
        Assert.Contains("confab_maintenance_rows_total{kind=\"prekeys\"} 2\n", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("confab_maintenance_last_success_seconds 0\n", metrics, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Stats_give_exact_rows_sizes_and_messages_per_day(string engine)
    {
        await using var source = await PortFixtures.SourceAsync(engine, messages: 120);
        var result = await ConfabProcess.RunAsync("db", "stats", "--db", source.Url, "--json", "--days", "3660");
        Assert.True(result.Code == 0, result.Error);
        using var json = JsonDocument.Parse(result.Output);
        var tables = json.RootElement.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        var messages = await PortFixtures.CountAsync(source, "messages");
        Assert.Equal(messages, tables["messages"].GetProperty("rows").GetInt64());
        Assert.Equal(await PortFixtures.CountAsync(source, "users"), tables["users"].GetProperty("rows").GetInt64());
        Assert.True(json.RootElement.GetProperty("databaseBytes").GetInt64() > 0);
        if (engine == TestDatabase.Postgres)
        {
            Assert.True(tables["messages"].GetProperty("indexBytes").GetInt64() > 0);
        }

        // Every message since 3660 days ago is in a day; the fixture's year-0001 message is older and not counted.
        var perDay = json.RootElement.GetProperty("messagesPerDay").EnumerateArray().Sum(d => d.GetProperty("messages").GetInt64());
        var recent = await CountAsync(source, "SELECT count(*) FROM messages WHERE created_at >= '2016-11-01'");
        Assert.InRange(perDay, recent - 100, messages - 1);
    }

    private sealed record Planted(List<(Guid Id, Guid Family)> Sessions, Guid Live, Guid RecentlyRevoked);

    /// <summary>
    /// Session families: one expired ten days ago and one revoked eight days ago (both past the 7-day grace), one live with
    /// an expired rotated token, one revoked two days ago. Prekeys: 1 claimed 40 days ago and 3 unclaimed for 200 days
    /// (stale), 2 claimed 5 days ago and 4 unclaimed for 10 days.
    /// </summary>
    private static async Task<Planted> PlantAsync(TestDatabase test)
    {
        await using var db = test.Open();
        var now = DateTime.UtcNow;
        var (expired, revoked, live, recent) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var sessions = new List<(Guid, Guid)>();
        await db.WriteAsync(
            async (connection, transaction) =>
            {
                var user = await connection.QueryFirstAsync<Guid>("SELECT id FROM users ORDER BY id", transaction: transaction);
                var device = Guid.NewGuid();
                await connection.ExecuteAsync(
                    "INSERT INTO devices (id, user_id, name, identity_key, created_at, updated_at) VALUES (@device, @user, 'phone', @key, @now, @now)",
                    new { device, user, key = new byte[32], now },
                    transaction);
                async Task Session(Guid family, DateTime expires, DateTime? rotated, DateTime? revokedAt)
                {
                    var id = Guid.NewGuid();
                    sessions.Add((id, family));
                    await connection.ExecuteAsync(
                        """
                        INSERT INTO auth_sessions (id, user_id, family_id, access_token_hash, refresh_token_hash, created_at, last_used_at, access_expires_at, expires_at, rotated_at, revoked_at, revoked_reason)
                        VALUES (@id, @user, @family, @access, @refresh, @created, @created, @accessExpires, @expires, @rotated, @revokedAt, @reason)
                        """,
                        new
                        {
                            id, user, family, access = Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray(),
                            refresh = Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray(),
                            created = now.AddDays(-60), accessExpires = expires.AddHours(-1), expires, rotated, revokedAt, reason = revokedAt is null ? null : "logout",
                        },
                        transaction);
                }

                await Session(expired, now.AddDays(-10), null, null);
                await Session(revoked, now.AddDays(20), null, now.AddDays(-8));
                await Session(live, now.AddDays(-15), now.AddDays(-20), null);
                await Session(live, now.AddDays(20), null, null);
                await Session(recent, now.AddDays(20), null, now.AddDays(-2));
                foreach (var (key, created, claimed) in new (long, DateTime, DateTime?)[]
                         {
                             (1, now.AddDays(-50), now.AddDays(-40)), (2, now.AddDays(-50), now.AddDays(-5)), (3, now.AddDays(-200), null), (4, now.AddDays(-10), null),
                         })
                {
                    await connection.ExecuteAsync(
                        "INSERT INTO one_time_prekeys (device_id, key_id, public_key, created_at, claimed_at, claimed_by) VALUES (@device, @key, @public, @created, @claimed, @by)",
                        new { device, key, @public = new byte[32], created, claimed, by = claimed is null ? (Guid?)null : user },
                        transaction);
                }

                return 0;
            },
            None);
        return new Planted(sessions, live, recent);
    }

    private static async Task<long> CountAsync(TestDatabase test, string sql)
    {
        await using var db = test.Open();
        await using var connection = await db.OpenConnectionAsync(None);
        return await connection.ExecuteScalarAsync<long>(sql);
    }
}
