using Confab.IntegrationTests.Port;
using Confab.Tools.Health;
using Dapper;
using Npgsql;

namespace Confab.IntegrationTests.Operations;

public class DoctorTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_healthy_database_gets_no_warning(string engine)
    {
        await using var source = await PortFixtures.SourceAsync(engine, messages: 300);
        var report = await ExamineAsync(source, new DoctorOptions());

        // Connections are counted across the whole test cluster, which the other tests share at the same time.
        var loud = report.Findings.Where(f => f.Severity >= Severity.Warning && f.Check != "connections").ToList();
        Assert.True(loud.Count == 0, string.Join("; ", loud.Select(f => $"{f.Check}: {f.Summary}")));
        Assert.Contains(report.Findings, f => f.Check == "migrations" && f.Severity == Severity.Ok);
        Assert.False(report.HasCritical);
        if (engine == TestDatabase.Sqlite)
        {
            var library = Assert.Single(report.Findings, f => f.Check == "library");
            Assert.Equal(Severity.Ok, library.Severity);
            Assert.Contains("FTS5 trigram tokenizer: yes", library.Details!);
        }
    }

    [Fact]
    public async Task Postgres_doctor_finds_an_unused_index_a_duplicate_an_unindexed_foreign_key_and_an_idle_transaction()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Postgres, messages: 300);
        await using (var connection = new NpgsqlConnection(source.Target.ConnectionString))
        {
            await connection.OpenAsync();
            await connection.ExecuteAsync(
                """
                CREATE INDEX planted_unused_idx ON messages (edited_at);
                CREATE INDEX planted_duplicate_idx ON participants (conversation_id);
                CREATE TABLE planted_notes (id bigint PRIMARY KEY, author_id uuid REFERENCES users (id));
                """);
        }

        await using var idle = new NpgsqlConnection(source.Target.ConnectionString + ";Application Name=planted-idle");
        await idle.OpenAsync();
        await using var transaction = await idle.BeginTransactionAsync();
        await idle.ExecuteAsync("SELECT count(*) FROM users", transaction: transaction);
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var report = await ExamineAsync(source, new DoctorOptions { IdleInTransaction = TimeSpan.FromSeconds(1) });

        // Both planted indexes are unused; Confab's own unused indexes are only noted.
        var unused = report.Findings.Where(f => f.Check == "unused_index" && f.Severity == Severity.Warning).OrderBy(f => f.Summary, StringComparer.Ordinal).ToList();
        Assert.Equal(["planted_duplicate_idx", "planted_unused_idx"], unused.Select(f => f.Summary.Split(' ')[1]));
        unused = unused.Where(f => f.Summary.Contains("planted_unused_idx", StringComparison.Ordinal)).ToList();
        Assert.Equal("DROP INDEX CONCURRENTLY planted_unused_idx;", Assert.Single(unused).Fix);
        var duplicate = Assert.Single(report.Findings, f => f.Check == "duplicate_index");
        Assert.StartsWith("index planted_duplicate_idx on participants", duplicate.Summary, StringComparison.Ordinal);
        var foreignKey = Assert.Single(report.Findings, f => f.Check == "foreign_key_without_index");
        Assert.Contains("planted_notes (author_id)", foreignKey.Summary, StringComparison.Ordinal);
        Assert.Equal("CREATE INDEX CONCURRENTLY ON planted_notes (author_id);", foreignKey.Fix);
        var stuck = Assert.Single(report.Findings, f => f.Check == "idle_in_transaction");
        Assert.Equal(Severity.Warning, stuck.Severity);
        Assert.Contains("planted-idle", stuck.Summary, StringComparison.Ordinal);
        Assert.Contains($"pg_terminate_backend({idle.ProcessID})", stuck.Fix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sqlite_doctor_finds_an_unindexed_foreign_key_and_a_duplicate_index()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 100);
        await using (var db = source.Open())
        {
            await db.WriteAsync(
                (connection, transaction) => connection.ExecuteAsync(
                    """
                    CREATE TABLE planted_notes (id INTEGER PRIMARY KEY, author_id TEXT REFERENCES users (id));
                    CREATE INDEX planted_duplicate_idx ON participants (conversation_id);
                    """,
                    transaction: transaction),
                None);
        }

        var report = await ExamineAsync(source, new DoctorOptions());

        var foreignKey = Assert.Single(report.Findings, f => f.Check == "foreign_key_without_index");
        Assert.Contains("planted_notes(author_id) → users", foreignKey.Summary, StringComparison.Ordinal);
        var duplicate = Assert.Single(report.Findings, f => f.Check == "duplicate_index");
        Assert.StartsWith("index planted_duplicate_idx on participants", duplicate.Summary, StringComparison.Ordinal);
        Assert.False(report.HasCritical);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Doctor_exits_1_when_a_finding_is_critical(string engine)
    {
        await using var source = await TestDatabase.MigratedAsync(engine);
        var healthy = await ConfabProcess.RunAsync("db", "doctor", "--db", source.Url);
        Assert.True(healthy.Code == 0, healthy.Output + healthy.Error);

        await using (var db = source.Open())
        {
            await db.WriteAsync((connection, transaction) => connection.ExecuteAsync("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1", transaction: transaction), None);
        }

        var drifted = await ConfabProcess.RunAsync("db", "doctor", "--db", source.Url, "--json");
        Assert.Equal(1, drifted.Code);
        using var json = System.Text.Json.JsonDocument.Parse(drifted.Output);
        var migrations = json.RootElement.GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("check").GetString() == "migrations");
        Assert.Equal("critical", migrations.GetProperty("severity").GetString());
    }

    private static async Task<HealthReport> ExamineAsync(TestDatabase test, DoctorOptions options)
    {
        await using var db = test.Open();
        return await DatabaseDoctor.ExamineAsync(db, options, None);
    }
}
