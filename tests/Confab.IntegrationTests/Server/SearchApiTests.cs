using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

public class SearchApiTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Search_finds_english_words_cjk_substrings_and_emoji_in_my_conversations_only(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var (eve, eveId) = await ConversationApiTests.UserAsync(server, "eve");
        var ours = await ConversationApiTests.DirectAsync(ann, benId);
        var theirs = await ConversationApiTests.DirectAsync(ben, eveId);
        foreach (var body in new[] { "The deployment finished at noon", "我们在湖边吃午饭吧", "週末は晴れるみたいです", "party time 🎉", "nothing to see" })
        {
            await ann.PostAsJsonAsync($"/api/v1/conversations/{ours}/messages", new { body });
        }

        await eve.PostAsJsonAsync($"/api/v1/conversations/{theirs}/messages", new { body = "secret deployment plans 🎉" });

        Assert.Equal(["The deployment finished at noon"], await BodiesAsync(ann, "deployment"));
        Assert.Equal(["The deployment finished at noon"], await BodiesAsync(ann, "DEPLOY"));
        Assert.Equal(["The deployment finished at noon"], await BodiesAsync(ann, "finished deployment"));
        Assert.Equal(["我们在湖边吃午饭吧"], await BodiesAsync(ann, "湖边吃"));
        Assert.Equal(["我们在湖边吃午饭吧"], await BodiesAsync(ann, "湖边"));
        Assert.Equal(["週末は晴れるみたいです"], await BodiesAsync(ann, "晴れる"));
        Assert.Equal(["party time 🎉"], await BodiesAsync(ann, "🎉"));
        Assert.Empty(await BodiesAsync(ann, "zebra"));
        Assert.Empty(await BodiesAsync(ann, "deployment plans"));
        Assert.Equal(2, (await BodiesAsync(ben, "deployment")).Count);
        Assert.Single(await BodiesAsync(ben, "deployment", $"&conversationId={theirs}"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Deleted_messages_are_never_found_and_results_page_newest_first_with_snippets(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (_, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var conversation = await ConversationApiTests.DirectAsync(ann, benId);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var sent = await ann.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { body = $"{new string('x', 100)} coffee number {i} {new string('y', 100)}" });
            ids.Add((await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }

        await ann.DeleteAsync($"/api/v1/conversations/{conversation}/messages/{ids[4]}");
        var first = await ann.GetFromJsonAsync<JsonElement>("/api/v1/search?q=coffee&limit=2");
        var items = first.GetProperty("items");
        Assert.Equal([ids[3], ids[2]], items.EnumerateArray().Select(h => h.GetProperty("messageId").GetString()));
        var snippet = items[0].GetProperty("snippet").GetString()!;
        Assert.StartsWith("…", snippet, StringComparison.Ordinal);
        Assert.EndsWith("…", snippet, StringComparison.Ordinal);
        var highlight = items[0].GetProperty("highlights")[0];
        Assert.Equal("coffee", snippet.Substring(highlight.GetProperty("start").GetInt32(), highlight.GetProperty("length").GetInt32()));

        var rest = await ann.GetFromJsonAsync<JsonElement>($"/api/v1/search?q=coffee&limit=2&cursor={first.GetProperty("nextCursor").GetString()}");
        Assert.Equal([ids[1], ids[0]], rest.GetProperty("items").EnumerateArray().Select(h => h.GetProperty("messageId").GetString()));
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("nextCursor").ValueKind);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Bad_search_requests_are_refused(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        await (await ann.GetAsync("/api/v1/search")).AssertProblemAsync(400, "validation_failed");
        await (await ann.GetAsync("/api/v1/search?q=%20%20")).AssertProblemAsync(400, "validation_failed");
        await (await ann.GetAsync($"/api/v1/search?q={new string('a', 201)}")).AssertProblemAsync(400, "validation_failed");
        await (await ann.GetAsync("/api/v1/search?q=a%00b")).AssertProblemAsync(400, "invalid_text");
        await (await ann.GetAsync("/api/v1/search?q=x&limit=1000")).AssertProblemAsync(400, "validation_failed");
        await (await ann.GetAsync("/api/v1/search?q=x&cursor=nope")).AssertProblemAsync(400, "invalid_cursor");
        Assert.Equal(HttpStatusCode.OK, (await ann.GetAsync("/api/v1/search?q=%25_%5C%27%22")).StatusCode);
        await (await server.Client.GetAsync("/api/v1/search?q=x")).AssertProblemAsync(401, "unauthenticated");
    }

    private static async Task<List<string>> BodiesAsync(HttpClient client, string q, string extra = "")
    {
        var page = await client.GetFromJsonAsync<JsonElement>($"/api/v1/search?q={Uri.EscapeDataString(q)}{extra}");
        return page.GetProperty("items").EnumerateArray().Select(h => h.GetProperty("snippet").GetString()!).ToList();
    }
}
