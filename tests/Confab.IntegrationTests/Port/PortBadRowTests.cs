using System.Text.Json;
using Confab.Storage;
using Confab.Tools.Port;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Confab.IntegrationTests.Port;

public class PortBadRowTests
{
    public static TheoryData<string, string, string> Kinds => new()
    {
        { "dangling", "reactions", "refers to a messages row that does not exist" },
        { "utf8", "users", "invalid UTF-8" },
        { "nul", "users", "NUL character" },
        { "range", "message_edits", "out of range for a 32-bit integer" },
        { "casefold", "users", "case-insensitive unique index users_email_lower_key" },
        { "type", "messages", "not an instant" },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task A_row_postgres_would_reject_fails_the_preflight_and_nothing_is_written(string kind, string table, string reason)
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 100);
        await PlantAsync(source, kind);
        await using var target = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);

        var error = await Assert.ThrowsAsync<StorageOperationException>(() => PortFixtures.PortAsync(source, target));

        Assert.Contains("nothing was written", error.Message, StringComparison.Ordinal);
        Assert.Contains(table, error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        await using var db = target.Open();
        Assert.False(await db.ExistsAsync(PortFixtures.None) && await HasRowsAsync(target));
    }

    [Fact]
    public async Task With_skip_every_rejected_row_lands_whole_in_the_rejects_file_and_the_rest_is_ported()
    {
        await using var source = await PortFixtures.SourceAsync(TestDatabase.Sqlite, messages: 100);
        foreach (var kind in Kinds.Select(k => k.Data.Item1))
        {
            await PlantAsync(source, kind);
        }

        await using var target = await TestDatabase.CreateAsync(TestDatabase.Postgres, create: false);
        var rejects = Path.Combine(Path.GetTempPath(), $"confab-rejects-{Guid.NewGuid():N}.jsonl");
        try
        {
            var report = await PortFixtures.PortAsync(source, target, new PortOptions { OnBadRows = BadRowPolicy.Skip, RejectsPath = rejects });

            Assert.Equal("complete", report.Outcome);
            Assert.True(report.Verify!.Matches, PortFixtures.Describe(report.Verify));
            var lines = (await File.ReadAllLinesAsync(rejects)).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            foreach (var (_, table, reason) in Kinds.Select(k => k.Data))
            {
                Assert.Contains(lines, l => l.GetProperty("table").GetString() == table
                    && l.GetProperty("reasons").EnumerateArray().Any(r => r.GetString()!.Contains(reason, StringComparison.Ordinal)));
            }

            // Whole rows: every column is there, the broken text as hex.
            var broken = lines.Single(l => l.GetProperty("reasons").EnumerateArray().Any(r => r.GetString()!.Contains("invalid UTF-8", StringComparison.Ordinal)));
            Assert.Equal("c328", broken.GetProperty("row").GetProperty("display_name").GetProperty("invalid_utf8_hex").GetString());
            Assert.True(broken.GetProperty("row").TryGetProperty("created_at", out _));

            // Rows that refer to a rejected row go with it, so nothing dangles in the target.
            Assert.Contains(lines, l => l.GetProperty("reasons").EnumerateArray().Any(r => r.GetString()!.Contains("refers to the rejected users row", StringComparison.Ordinal)));
            Assert.Equal(await PortFixtures.CountAsync(source, "users") - lines.Count(l => l.GetProperty("table").GetString() == "users"), await PortFixtures.CountAsync(target, "users"));
            Assert.Equal(report.Verify.Tables.Sum(t => t.Rejected), lines.Count);
        }
        finally
        {
            File.Delete(rejects);
        }
    }

    /// <summary>Writes one bad row of the kind straight into the SQLite file, as an old script or a hand edit could have.</summary>
    internal static async Task PlantAsync(TestDatabase source, string kind)
    {
        await using var connection = new SqliteConnection($"Data Source={source.Target.SqlitePath}");
        await connection.OpenAsync();
        await connection.ExecuteAsync("PRAGMA foreign_keys = OFF");
        var user = await connection.ExecuteScalarAsync<string>("SELECT id FROM users WHERE username = 'charlie'");
        var message = await connection.ExecuteScalarAsync<string>("SELECT id FROM messages ORDER BY id LIMIT 1");
        const string Columns = "id, username, email, password_hash, display_name, created_at, updated_at";
        const string At = "'2026-01-01T00:00:00.000000Z'";
        var sql = kind switch
        {
            "dangling" => $"INSERT INTO reactions (message_id, user_id, emoji, created_at) VALUES ('{Guid.NewGuid()}', '{user}', '🦜', {At})",
            "utf8" => $"INSERT INTO users ({Columns}) VALUES ('{Guid.NewGuid()}', 'broken_utf8', 'b1@x.test', 'x', CAST(x'c328' AS TEXT), {At}, {At})",
            "nul" => $"INSERT INTO users ({Columns}) VALUES ('{Guid.NewGuid()}', 'with_nul', 'n1@x.test', 'x', 'a' || char(0) || 'b', {At}, {At})",
            "range" => $"INSERT INTO message_edits (message_id, version, previous_body, edited_at) VALUES ('{message}', 1099511627776, 'old', {At})",
            "casefold" => $"INSERT INTO users ({Columns}) VALUES ('{Guid.NewGuid()}', 'fold_a', 'Ärger@x.test', 'x', 'A', {At}, {At}), ('{Guid.NewGuid()}', 'fold_b', 'ärger@x.test', 'x', 'B', {At}, {At})",
            "type" => $"UPDATE messages SET edited_at = 'yesterday' WHERE id = '{message}'",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        await connection.ExecuteAsync(sql);
        if (kind == "casefold")
        {
            // Both users are in a conversation too: the membership of whichever is rejected must go with it.
            await connection.ExecuteAsync(
                "INSERT INTO participants (conversation_id, user_id, role, joined_at, updated_at) SELECT c.id, u.id, 'member', c.created_at, c.created_at FROM conversations c, users u WHERE c.kind = 'group' AND u.username IN ('fold_a', 'fold_b') AND c.id = (SELECT min(id) FROM conversations WHERE kind = 'group')");
        }
    }

    private static async Task<bool> HasRowsAsync(TestDatabase target)
    {
        try
        {
            return await PortFixtures.CountAsync(target, "users") > 0;
        }
        catch (Exception ex) when (ex is Npgsql.PostgresException or DatabaseUnavailableException)
        {
            return false;
        }
    }
}
