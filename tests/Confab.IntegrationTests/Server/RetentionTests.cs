using System.Net.Http.Json;
using System.Text.Json;
using Confab.Chat.Retention;
using Dapper;

namespace Confab.IntegrationTests.Server;

public class RetentionTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Expired_messages_leave_history_search_and_export_and_conversation_limits_override_the_global_one(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (_, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var (_, catId) = await ConversationApiTests.UserAsync(server, "cat");
        var direct = await ConversationApiTests.DirectAsync(ann, benId);
        var keeper = await CreateGroupAsync(ann, catId, "Archive", 365);
        var shortLived = await CreateGroupAsync(ann, catId, "Ephemeral", 1);
        foreach (var (conversation, body) in new[] { (direct, "old direct zebra"), (keeper, "old archived zebra"), (shortLived, "old ephemeral zebra") })
        {
            await ann.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { body });
        }

        // Three days pass for those messages; then fresh ones arrive.
        await using (var db = server.Database.Open())
        await using (var connection = await db.OpenConnectionAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("UPDATE messages SET created_at = @then", new { then = DateTime.UtcNow.AddDays(-3) });
        }

        await ann.PostAsJsonAsync($"/api/v1/conversations/{direct}/messages", new { body = "fresh direct zebra" });
        await using (var db = server.Database.Open())
        {
            var expired = await new RetentionSweeper(db, new RetentionPolicy(MaxAgeDays: 2, BatchSize: 1), TimeProvider.System).SweepAsync(CancellationToken.None);
            Assert.Equal(2, expired);
        }

        var hits = (await ann.GetFromJsonAsync<JsonElement>("/api/v1/search?q=zebra")).GetProperty("items").EnumerateArray()
            .Select(h => h.GetProperty("snippet").GetString()).Order().ToList();
        Assert.Equal(["fresh direct zebra", "old archived zebra"], hits);
        var history = await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{direct}/messages");
        Assert.Equal(JsonValueKind.Null, history.GetProperty("items")[0].GetProperty("body").ValueKind);
        var export = await ann.GetFromJsonAsync<JsonElement>("/api/v1/me/export");
        Assert.Equal(2, export.GetProperty("messages").EnumerateArray().Count(m => m.GetProperty("body").ValueKind == JsonValueKind.String));
        Assert.Equal(2, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM conversation_events WHERE kind = 'message.deleted'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_conversation_limit_must_be_a_sensible_number_of_days(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (_, catId) = await ConversationApiTests.UserAsync(server, "cat");
        var group = await CreateGroupAsync(ann, catId, "Club", null);
        foreach (var bad in new object[] { 0, -5, 100_000, "thirty", 1.5 })
        {
            await (await ann.PatchAsJsonAsync($"/api/v1/conversations/{group}", new { settings = new Dictionary<string, object> { ["retentionDays"] = bad } }))
                .AssertProblemAsync(400, "validation_failed");
        }
    }

    private static async Task<string> CreateGroupAsync(HttpClient owner, string member, string title, int? retentionDays)
    {
        var created = await owner.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title, members = new[] { member } });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        if (retentionDays is { } days)
        {
            var patched = await owner.PatchAsJsonAsync($"/api/v1/conversations/{id}", new { settings = new { retentionDays = days } });
            Assert.True(patched.IsSuccessStatusCode, await patched.Content.ReadAsStringAsync());
        }

        return id;
    }
}
