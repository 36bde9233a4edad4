using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

/// <summary>Hostile input to the chat routes is a 4xx with a stable code on both engines, never a 500.</summary>
public class BadInputTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_cursor_whose_number_overflows_is_an_invalid_cursor_not_a_500(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var overflowing = Cursor($"99999999999999999999999:{Guid.NewGuid()}");
        var pastTheCalendar = Cursor($"{DateTime.MaxValue.Ticks + 1}:{Guid.NewGuid()}");
        var negative = Cursor($"-5:{Guid.NewGuid()}");
        foreach (var cursor in new[] { overflowing, pastTheCalendar, negative, Cursor("1:2:3"), "%00", "!!!!" })
        {
            await (await ann.GetAsync($"/api/v1/conversations?cursor={cursor}")).AssertProblemAsync(400, "invalid_cursor");
            await (await ann.GetAsync($"/api/v1/search?q=hello&cursor={cursor}")).AssertProblemAsync(400, "invalid_cursor");
        }

        // Seq positions of history are numbers: one that overflows is a 400 too.
        var (_, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var id = await ConversationApiTests.DirectAsync(ann, benId);
        await (await ann.GetAsync($"/api/v1/conversations/{id}/messages?before=99999999999999999999999")).AssertProblemAsync(400, "invalid_request_body");
        await (await ann.GetAsync($"/api/v1/conversations/{id}/messages?after=99999999999999999999999")).AssertProblemAsync(400, "invalid_request_body");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Around_with_limit_one_is_the_message_alone_and_small_limits_stay_within_the_limit(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (_, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var id = await ConversationApiTests.DirectAsync(ann, benId);
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var sent = await ann.PostAsJsonAsync($"/api/v1/conversations/{id}/messages", new { body = $"m{i}" });
            ids.Add((await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }

        for (var limit = 1; limit <= 4; limit++)
        {
            var response = await ann.GetAsync($"/api/v1/conversations/{id}/messages/{ids[3]}/around?limit={limit}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var items = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray()
                .Select(m => m.GetProperty("body").GetString()).ToList();
            Assert.Equal(limit, items.Count);
            Assert.Contains("m3", items);
        }
    }

    public static TheoryData<string, string> BadTexts => new()
    {
        { TestDatabase.Sqlite, "nul" }, { TestDatabase.Postgres, "nul" },
        { TestDatabase.Sqlite, "surrogate" }, { TestDatabase.Postgres, "surrogate" },
    };

    [Theory]
    [MemberData(nameof(BadTexts))]
    public async Task Text_with_nul_or_an_unpaired_surrogate_is_refused_as_invalid_text_in_every_field(string engine, string kind)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (_, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var direct = await ConversationApiTests.DirectAsync(ann, benId);
        var group = (await (await ann.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "Club", members = new[] { benId } }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var sent = await ann.PostAsJsonAsync($"/api/v1/conversations/{direct}/messages", new { body = "fine" });
        var message = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        // The bad character as a JSON escape, and as it stands in a URL.
        var json = kind == "nul" ? "\\u0000" : "\\ud800";
        // Bodies read into records: the framework's JSON reader already refuses an escaped unpaired surrogate
        // (invalid_request_body); U+0000 it reads, and the store refuses it.
        var typed = kind == "nul" ? "invalid_text" : "invalid_request_body";
        var bodies = new (HttpMethod Method, string Path, string Body, string Code)[]
        {
            (HttpMethod.Post, $"/api/v1/conversations/{direct}/messages", $$"""{"body":"hello{{json}}world"}""", typed),
            (HttpMethod.Post, $"/api/v1/conversations/{direct}/messages", $$"""{"body":"hello","clientMsgId":"c{{json}}"}""", typed),
            (HttpMethod.Patch, $"/api/v1/conversations/{direct}/messages/{message}", $$"""{"body":"edited{{json}}"}""", typed),
            (HttpMethod.Post, "/api/v1/conversations", $$"""{"kind":"group","title":"Bad{{json}}title","members":["{{benId}}"]}""", typed),
            (HttpMethod.Post, "/api/v1/devices", $$"""{"name":"phone{{json}}","identityKey":"{{Convert.ToBase64String(new byte[32])}}"}""", typed),
            (HttpMethod.Patch, $"/api/v1/conversations/{group}", $$"""{"title":"Bad{{json}}title"}""", "invalid_text"),
            (HttpMethod.Patch, $"/api/v1/conversations/{group}", $$$"""{"settings":{"theme":"dark{{{json}}}"}}""", "invalid_text"),
            (HttpMethod.Patch, $"/api/v1/conversations/{group}", $$$"""{"settings":{"the{{{json}}}me":1}}""", "invalid_text"),
        };
        foreach (var (method, path, body, code) in bodies)
        {
            using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            await (await ann.SendAsync(request)).AssertProblemAsync(400, code);
        }

        if (kind == "nul")
        {
            // A URL cannot carry an unpaired surrogate (its UTF-8 decodes to U+FFFD); a query can carry U+0000, and a
            // path that does is refused by Kestrel before any route runs.
            await (await ann.GetAsync("/api/v1/search?q=hel%00lo")).AssertProblemAsync(400, "invalid_text");
            Assert.Equal(HttpStatusCode.BadRequest, (await ann.PutAsync($"/api/v1/conversations/{direct}/messages/{message}/reactions/%F0%9F%91%8D%00", null)).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await ann.GetAsync("/api/v1/users/ann%00")).StatusCode);
        }

        // Nothing was written: the one message stands unedited, the group keeps its title and no device exists.
        var history = await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{direct}/messages");
        Assert.Equal(["fine"], history.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("body").GetString()));
        Assert.Equal("Club", (await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{group}")).GetProperty("title").GetString());
        Assert.Equal(0, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM devices"));
    }

    private static string Cursor(string text) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
