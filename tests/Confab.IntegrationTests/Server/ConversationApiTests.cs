using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

public class ConversationApiTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_direct_conversation_is_unique_per_pair_even_when_both_open_it_at_once(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, annId) = await UserAsync(server, "ann");
        var (ben, benId) = await UserAsync(server, "ben");

        var attempts = await Task.WhenAll(Enumerable.Range(0, 6).Select(i =>
            (i % 2 == 0 ? ann : ben).PostAsJsonAsync("/api/v1/conversations", new { kind = "direct", members = new[] { i % 2 == 0 ? benId : annId } })));
        Assert.All(attempts, a => Assert.True(a.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, a.StatusCode.ToString()));
        Assert.Equal(1, attempts.Count(a => a.StatusCode == HttpStatusCode.Created));
        var ids = await Task.WhenAll(attempts.Select(async a => (await a.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()));
        Assert.Single(ids.Distinct());
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM conversations"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Creating_a_conversation_checks_kind_title_and_members(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await UserAsync(server, "ann");
        var (_, benId) = await UserAsync(server, "ben");
        await (await ann.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", members = new[] { benId } })).AssertProblemAsync(400, "validation_failed");
        await (await ann.PostAsJsonAsync("/api/v1/conversations", new { kind = "channel", members = new[] { benId } })).AssertProblemAsync(400, "validation_failed");
        await (await ann.PostAsJsonAsync("/api/v1/conversations", new { kind = "direct", members = Array.Empty<Guid>() })).AssertProblemAsync(400, "validation_failed");
        await (await ann.PostAsJsonAsync("/api/v1/conversations", new { kind = "direct", members = new[] { Guid.NewGuid() } })).AssertProblemAsync(400, "unknown_user");
        await (await ann.PostAsJsonAsync("/api/v1/conversations", new { kind = "direct", members = new[] { "not-a-uuid" } })).AssertProblemAsync(400, "invalid_request_body");
        Assert.Equal(0, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM conversations"));

        var group = await ann.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "Hike 🏔️", members = new[] { benId } });
        var created = await group.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.Created, group.StatusCode);
        Assert.Equal("owner", created.GetProperty("role").GetString());
        Assert.Equal(2, created.GetProperty("lastSeq").GetInt64());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_non_member_is_told_the_conversation_does_not_exist(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await UserAsync(server, "ann");
        var (_, benId) = await UserAsync(server, "ben");
        var (eve, _) = await UserAsync(server, "eve");
        var id = await DirectAsync(ann, benId);

        await (await eve.GetAsync($"/api/v1/conversations/{id}")).AssertProblemAsync(404, "conversation_not_found");
        await (await eve.GetAsync($"/api/v1/conversations/{id}/messages")).AssertProblemAsync(404, "conversation_not_found");
        await (await eve.PostAsJsonAsync($"/api/v1/conversations/{id}/messages", new { body = "let me in" })).AssertProblemAsync(404, "conversation_not_found");
        await (await eve.PostAsJsonAsync($"/api/v1/conversations/{id}/read", new { seq = 1 })).AssertProblemAsync(404, "conversation_not_found");
        await (await eve.GetAsync($"/api/v1/conversations/{Guid.NewGuid()}")).AssertProblemAsync(404, "conversation_not_found");
        await (await server.Client.GetAsync($"/api/v1/conversations/{id}")).AssertProblemAsync(401, "unauthenticated");
        Assert.Equal(0, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM messages"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_retried_send_returns_the_original_message_even_when_retries_race(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await UserAsync(server, "ann");
        var (_, benId) = await UserAsync(server, "ben");
        var id = await DirectAsync(ann, benId);

        var first = await ann.PostAsJsonAsync($"/api/v1/conversations/{id}/messages", new { clientMsgId = "c-1", body = "hello" });
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var original = await first.Content.ReadFromJsonAsync<JsonElement>();
        var retry = await ann.PostAsJsonAsync($"/api/v1/conversations/{id}/messages", new { clientMsgId = "c-1", body = "hello" });
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(original.GetProperty("id").GetString(), (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString());

        var racing = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            ann.PostAsJsonAsync($"/api/v1/conversations/{id}/messages", new { clientMsgId = "c-2", body = "again" })));
        Assert.All(racing, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, r.StatusCode.ToString()));
        Assert.Equal(1, racing.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(2, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM messages"));
        await AssertGaplessAsync(server, id);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Parallel_senders_get_unique_gapless_seqs(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await UserAsync(server, "ann");
        var (ben, benId) = await UserAsync(server, "ben");
        var (cat, catId) = await UserAsync(server, "cat");
        var group = await ann.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "Busy", members = new[] { benId, catId } });
        var id = (await group.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        var clients = new[] { ann, ben, cat };
        var sends = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            clients[i % 3].PostAsJsonAsync($"/api/v1/conversations/{id}/messages", new { clientMsgId = $"m-{i}", body = $"message {i}" })));
        Assert.All(sends, s => Assert.Equal(HttpStatusCode.Created, s.StatusCode));
        var seqs = await Task.WhenAll(sends.Select(async s => (await s.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("seq").GetInt64()));
        Assert.Equal(30, seqs.Distinct().Count());
        await AssertGaplessAsync(server, id!);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task History_pages_backwards_and_forwards_by_seq(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await UserAsync(server, "ann");
        var (_, benId) = await UserAsync(server, "ben");
        var id = await DirectAsync(ann, benId);
        for (var i = 1; i <= 7; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await ann.PostAsJsonAsync($"/api/v1/conversations/{id}/messages", new { body = $"m{i}" })).StatusCode);
        }

        var latest = await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{id}/messages?limit=3");
        Assert.Equal(["m5", "m6", "m7"], Bodies(latest));
        Assert.True(latest.GetProperty("hasMore").GetBoolean());
        var oldestSeq = latest.GetProperty("items")[0].GetProperty("seq").GetInt64();
        var older = await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{id}/messages?before={oldestSeq}&limit=3");
        Assert.Equal(["m2", "m3", "m4"], Bodies(older));
        var oldest = await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{id}/messages?before={older.GetProperty("items")[0].GetProperty("seq").GetInt64()}&limit=3");
        Assert.Equal(["m1"], Bodies(oldest));
        Assert.False(oldest.GetProperty("hasMore").GetBoolean());
        var newer = await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{id}/messages?after={oldest.GetProperty("items")[0].GetProperty("seq").GetInt64()}&limit=2");
        Assert.Equal(["m2", "m3"], Bodies(newer));

        await (await ann.GetAsync($"/api/v1/conversations/{id}/messages?limit=0")).AssertProblemAsync(400, "validation_failed");
        await (await ann.GetAsync($"/api/v1/conversations/{id}/messages?before=3&after=1")).AssertProblemAsync(400, "validation_failed");
        await (await ann.GetAsync($"/api/v1/conversations/{id}/messages?before=abc")).AssertProblemAsync(400, "invalid_request_body");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Unread_counts_follow_the_read_watermark_and_ignore_non_message_changes(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await UserAsync(server, "ann");
        var (ben, benId) = await UserAsync(server, "ben");
        var id = await DirectAsync(ann, benId);
        long lastSeq = 0;
        for (var i = 0; i < 3; i++)
        {
            var sent = await ann.PostAsJsonAsync($"/api/v1/conversations/{id}/messages", new { body = $"hi {i}" });
            lastSeq = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("seq").GetInt64();
        }

        Assert.Equal(3, await UnreadAsync(ben, id));
        Assert.Equal(0, await UnreadAsync(ann, id));
        var delivered = await ben.PostAsJsonAsync($"/api/v1/conversations/{id}/delivered", new { seq = lastSeq });
        Assert.Equal(3, (await delivered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("unreadCount").GetInt64());

        var read = await ben.PostAsJsonAsync($"/api/v1/conversations/{id}/read", new { seq = lastSeq - 1 });
        var marks = await read.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(1, marks.GetProperty("unreadCount").GetInt64());
        Assert.Equal(lastSeq, marks.GetProperty("lastDeliveredSeq").GetInt64());

        // Receipts take seqs too, yet the unread count only counts messages; a watermark never moves back.
        var back = await ben.PostAsJsonAsync($"/api/v1/conversations/{id}/read", new { seq = 1 });
        Assert.Equal(lastSeq - 1, (await back.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lastReadSeq").GetInt64());
        Assert.Equal(1, await UnreadAsync(ben, id));
        await (await ben.PostAsJsonAsync($"/api/v1/conversations/{id}/read", new { seq = 10_000 })).AssertProblemAsync(400, "validation_failed");
        await (await ben.PostAsJsonAsync($"/api/v1/conversations/{id}/read", new { })).AssertProblemAsync(400, "validation_failed");
        await AssertGaplessAsync(server, id);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Bad_messages_are_refused_and_write_nothing(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await UserAsync(server, "ann");
        var (_, benId) = await UserAsync(server, "ben");
        var id = await DirectAsync(ann, benId);
        var url = $"/api/v1/conversations/{id}/messages";
        await (await ann.PostAsJsonAsync(url, new { body = new string('x', 10_001) })).AssertProblemAsync(400, "validation_failed");
        await (await ann.PostAsJsonAsync(url, new { body = "   " })).AssertProblemAsync(400, "validation_failed");
        await (await ann.PostAsJsonAsync(url, new { })).AssertProblemAsync(400, "validation_failed");
        await (await ann.PostAsJsonAsync(url, new { body = "x", ciphertext = "AAAA" })).AssertProblemAsync(400, "validation_failed");
        await (await ann.PostAsJsonAsync(url, new { ciphertext = "not base64!" })).AssertProblemAsync(400, "invalid_request_body");
        await (await ann.PostAsJsonAsync(url, new { body = "x", replyTo = Guid.NewGuid() })).AssertProblemAsync(400, "validation_failed");
        await (await ann.PostAsJsonAsync(url, new { body = "x", clientMsgId = new string('c', 101) })).AssertProblemAsync(400, "validation_failed");
        Assert.Equal(0, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM messages"));
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT last_seq FROM conversations"));

        // 10,000 characters of a script outside the BMP fit: the limit counts characters, not UTF-16 units.
        Assert.Equal(HttpStatusCode.Created, (await ann.PostAsJsonAsync(url, new { body = string.Concat(Enumerable.Repeat("🎉", 10_000)) })).StatusCode);
        var encrypted = await ann.PostAsJsonAsync(url, new { ciphertext = Convert.ToBase64String(new byte[] { 1, 2, 3 }) });
        Assert.Equal("encrypted", (await encrypted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("kind").GetString());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task The_conversation_list_is_ordered_by_activity_with_previews_and_pages_by_cursor(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await UserAsync(server, "ann");
        var others = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var (_, otherId) = await UserAsync(server, $"friend{i}");
            others.Add(await DirectAsync(ann, otherId));
        }

        await ann.PostAsJsonAsync($"/api/v1/conversations/{others[1]}/messages", new { body = "bumps friend1 to the top" });
        var first = await ann.GetFromJsonAsync<JsonElement>("/api/v1/conversations?limit=3");
        var items = first.GetProperty("items");
        Assert.Equal(3, items.GetArrayLength());
        Assert.Equal(others[1], items[0].GetProperty("id").GetString());
        Assert.Equal("bumps friend1 to the top", items[0].GetProperty("lastMessage").GetProperty("body").GetString());
        var cursor = first.GetProperty("nextCursor").GetString();
        var rest = await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations?limit=3&cursor={cursor}");
        Assert.Equal(1, rest.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("nextCursor").ValueKind);
        var all = items.EnumerateArray().Concat(rest.GetProperty("items").EnumerateArray()).Select(c => c.GetProperty("id").GetString()!).ToHashSet();
        Assert.Equal(others.ToHashSet(), all);
        await (await ann.GetAsync("/api/v1/conversations?cursor=garbage")).AssertProblemAsync(400, "invalid_cursor");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Conversation_rows_name_the_other_member_and_the_previews_sender(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await UserAsync(server, "ann");
        var (ben, benId) = await UserAsync(server, "ben");
        Assert.Equal(HttpStatusCode.OK, (await ben.PatchAsJsonAsync("/api/v1/me", new { displayName = "Ben Bright" })).StatusCode);
        var direct = await DirectAsync(ann, benId);
        var groupResponse = await ann.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "Trip", members = new[] { benId } });
        var group = (await groupResponse.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.Created, (await ben.PostAsJsonAsync($"/api/v1/conversations/{direct}/messages", new { body = "hi ann" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await ann.PostAsJsonAsync($"/api/v1/conversations/{group}/messages", new { body = "packing list" })).StatusCode);

        var rows = await RowsAsync(ann);
        Assert.Equal(benId, rows[direct].GetProperty("otherUserId").GetString());
        Assert.Equal("ben", rows[direct].GetProperty("otherUsername").GetString());
        Assert.Equal("Ben Bright", rows[direct].GetProperty("otherDisplayName").GetString());
        Assert.Equal("Ben Bright", rows[direct].GetProperty("lastMessage").GetProperty("senderName").GetString());
        Assert.Equal(JsonValueKind.Null, rows[group].GetProperty("otherUsername").ValueKind);
        Assert.Equal(JsonValueKind.Null, rows[group].GetProperty("otherDisplayName").ValueKind);
        Assert.Equal("ann", rows[group].GetProperty("lastMessage").GetProperty("senderName").GetString());

        using var erase = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/me") { Content = JsonContent.Create(new { password = "a long enough pass phrase" }) };
        Assert.Equal(HttpStatusCode.NoContent, (await ben.SendAsync(erase)).StatusCode);
        var afterErasure = (await RowsAsync(ann))[direct];
        Assert.Equal(JsonValueKind.Null, afterErasure.GetProperty("otherUsername").ValueKind);
        Assert.Equal("Deleted user", afterErasure.GetProperty("otherDisplayName").GetString());
        Assert.Equal("Deleted user", afterErasure.GetProperty("lastMessage").GetProperty("senderName").GetString());
    }

    [Fact]
    public async Task Sends_are_limited_per_user_with_a_retry_after()
    {
        await using var server = await ServerHost.StartAsync(TestDatabase.Sqlite, new Dictionary<string, string?> { ["Auth:SendsPerUserPerMinute"] = "3" });
        var (ann, _) = await UserAsync(server, "ann");
        var (ben, benId) = await UserAsync(server, "ben");
        var id = await DirectAsync(ann, benId);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await ann.PostAsJsonAsync($"/api/v1/conversations/{id}/messages", new { body = $"m{i}" })).StatusCode);
        }

        var limited = await ann.PostAsJsonAsync($"/api/v1/conversations/{id}/messages", new { body = "one too many" });
        await limited.AssertProblemAsync(429, "rate_limited");
        Assert.NotNull(limited.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Created, (await ben.PostAsJsonAsync($"/api/v1/conversations/{id}/messages", new { body = "ben has his own budget" })).StatusCode);
    }

    internal static async Task<(HttpClient Client, string Id)> UserAsync(ServerHost server, string name)
    {
        var user = await server.RegisterAsync(name);
        return (server.As(user.GetProperty("accessToken").GetString()!), user.GetProperty("user").GetProperty("id").GetString()!);
    }

    internal static async Task<string> DirectAsync(HttpClient client, string otherId)
    {
        var response = await client.PostAsJsonAsync("/api/v1/conversations", new { kind = "direct", members = new[] { otherId } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task<long> UnreadAsync(HttpClient client, string id) =>
        (await client.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{id}")).GetProperty("unreadCount").GetInt64();

    private static async Task<Dictionary<string, JsonElement>> RowsAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/api/v1/conversations")).GetProperty("items").EnumerateArray()
            .ToDictionary(c => c.GetProperty("id").GetString()!);

    private static string[] Bodies(JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(m => m.GetProperty("body").GetString()!).ToArray();

    /// <summary>The event log of a conversation holds every seq from 1 to last_seq exactly once.</summary>
    private static async Task AssertGaplessAsync(ServerHost server, string id)
    {
        var lastSeq = await AuthApiTests.CountAsync(server, $"SELECT last_seq FROM conversations WHERE id = '{id}'");
        Assert.Equal(lastSeq, await AuthApiTests.CountAsync(server, $"SELECT count(DISTINCT seq) FROM conversation_events WHERE conversation_id = '{id}'"));
        Assert.Equal(lastSeq, await AuthApiTests.CountAsync(server, $"SELECT max(seq) FROM conversation_events WHERE conversation_id = '{id}'"));
        Assert.Equal(
            await AuthApiTests.CountAsync(server, $"SELECT message_count FROM conversations WHERE id = '{id}'"),
            await AuthApiTests.CountAsync(server, $"SELECT count(*) FROM messages WHERE conversation_id = '{id}'"));
    }
}
