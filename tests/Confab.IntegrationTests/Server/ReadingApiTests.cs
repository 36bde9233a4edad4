using System.Net.Http.Json;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

public class ReadingApiTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Seen_by_replies_around_and_unread_totals_come_from_the_same_data(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var (cat, catId) = await ConversationApiTests.UserAsync(server, "cat");
        var (eve, _) = await ConversationApiTests.UserAsync(server, "eve");
        var group = await ann.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "Readers", members = new[] { benId, catId } });
        var id = (await group.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var messages = new List<(string Id, long Seq)>();
        for (var i = 0; i < 9; i++)
        {
            var body = new Dictionary<string, object?> { ["body"] = $"m{i}" };
            if (i is 5 or 7)
            {
                body["replyTo"] = messages[1].Id;
            }

            var sent = await (await ann.PostAsJsonAsync($"/api/v1/conversations/{id}/messages", body)).Content.ReadFromJsonAsync<JsonElement>();
            messages.Add((sent.GetProperty("id").GetString()!, sent.GetProperty("seq").GetInt64()));
        }

        await ben.PostAsJsonAsync($"/api/v1/conversations/{id}/read", new { seq = messages[3].Seq });
        var seen = await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{id}/messages/{messages[2].Id}/seen");
        Assert.Equal(["ben"], seen.EnumerateArray().Select(s => s.GetProperty("username").GetString()));
        Assert.Equal(0, (await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{id}/messages/{messages[4].Id}/seen")).GetArrayLength());

        var replies = await cat.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{id}/messages/{messages[1].Id}/replies");
        Assert.Equal(["m5", "m7"], replies.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("body").GetString()));

        var around = await cat.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{id}/messages/{messages[4].Id}/around?limit=5");
        Assert.Equal(["m2", "m3", "m4", "m5", "m6"], around.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("body").GetString()));
        var edge = await cat.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{id}/messages/{messages[0].Id}/around?limit=3");
        Assert.Equal(["m0", "m1", "m2"], edge.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("body").GetString()));

        var benUnread = await ben.GetFromJsonAsync<JsonElement>("/api/v1/me/unread");
        Assert.Equal(5, benUnread.GetProperty("messages").GetInt64());
        Assert.Equal(1, benUnread.GetProperty("conversations").GetInt64());
        Assert.Equal(0, (await ann.GetFromJsonAsync<JsonElement>("/api/v1/me/unread")).GetProperty("messages").GetInt64());
        await (await eve.GetAsync($"/api/v1/conversations/{id}/messages/{messages[2].Id}/seen")).AssertProblemAsync(404, "conversation_not_found");
    }
}
