using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confab.Chat.Messages;
using Confab.Chat.Retention;
using Confab.Chat.Search;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Confab.IntegrationTests.Server;

/// <summary>Limits that hold under parallel requests, blocks without side doors, and costs a caller cannot inflate.</summary>
public class AbuseTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Parallel_pins_over_the_limit_pin_exactly_the_limit_and_refuse_the_rest_cleanly(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var id = await ConversationApiTests.DirectAsync(ann, benId);
        var messages = new List<string>();
        for (var i = 0; i < MessageStore.MaxPinsPerConversation + 10; i++)
        {
            messages.Add(await SendAsync(ann, id, $"m{i}"));
        }

        // Both members pin every message at once; the same message twice as well.
        var responses = await Task.WhenAll(messages.SelectMany(m => new[] { ann, ben }.Select(c => c.PutAsync($"/api/v1/conversations/{id}/pins/{m}", null))));
        Assert.DoesNotContain(responses, r => (int)r.StatusCode >= 500);
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.NoContent))
        {
            await refused.AssertProblemAsync(409, "too_many_pins");
        }

        Assert.Equal(MessageStore.MaxPinsPerConversation, (await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{id}/pins")).GetArrayLength());
        Assert.Equal(MessageStore.MaxPinsPerConversation, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM conversation_events WHERE kind = 'message.pinned'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Parallel_edits_of_one_message_each_keep_their_own_version(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (_, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var id = await ConversationApiTests.DirectAsync(ann, benId);
        var message = await SendAsync(ann, id, "v0");

        var responses = await Task.WhenAll(Enumerable.Range(1, 20).Select(i => ann.PatchAsJsonAsync($"/api/v1/conversations/{id}/messages/{message}", new { body = $"v{i}" })));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var edits = await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{id}/messages/{message}/edits");
        Assert.Equal(Enumerable.Range(1, 20), edits.EnumerateArray().Select(e => e.GetProperty("version").GetInt32()));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task After_a_block_neither_side_edits_reacts_pins_or_claims_the_others_prekeys(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, annId) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var id = await ConversationApiTests.DirectAsync(ann, benId);
        var annsMessage = await SendAsync(ann, id, "from ann");
        var bensMessage = await SendAsync(ben, id, "from ben");
        foreach (var client in new[] { ann, ben })
        {
            var device = await client.PostAsJsonAsync("/api/v1/devices", new
            {
                name = "phone", identityKey = Convert.ToBase64String(new byte[32]),
                oneTimePrekeys = Enumerable.Range(1, 3).Select(k => new { id = k, publicKey = Convert.ToBase64String(new byte[32]) }),
            });
            Assert.Equal(HttpStatusCode.Created, device.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await ann.PutAsync($"/api/v1/contacts/{benId}/block", null)).StatusCode);
        var lastSeq = await LastSeqAsync(server, id);

        // The blocked side and the blocking side alike.
        foreach (var (client, own, other, otherId) in new[] { (ben, bensMessage, annsMessage, annId), (ann, annsMessage, bensMessage, benId) })
        {
            await (await client.PatchAsJsonAsync($"/api/v1/conversations/{id}/messages/{own}", new { body = "new text" })).AssertProblemAsync(403, "blocked");
            await (await client.PutAsync($"/api/v1/conversations/{id}/messages/{other}/reactions/%F0%9F%91%8D", null)).AssertProblemAsync(403, "blocked");
            await (await client.PutAsync($"/api/v1/conversations/{id}/pins/{other}", null)).AssertProblemAsync(403, "blocked");
            await (await client.GetAsync($"/api/v1/users/{otherId}/keys")).AssertProblemAsync(403, "blocked");
        }

        Assert.Equal(lastSeq, await LastSeqAsync(server, id));
        Assert.Equal(["from ann", "from ben"], (await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{id}/messages"))
            .GetProperty("items").EnumerateArray().Select(m => m.GetProperty("body").GetString()));
        Assert.Equal(0, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM one_time_prekeys WHERE claimed_at IS NOT NULL"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Reading_on_past_receipts_creates_no_more_events(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var id = await ConversationApiTests.DirectAsync(ann, benId);
        await SendAsync(ann, id, "hello");
        var messageSeq = await LastSeqAsync(server, id);

        // Each read names the seq the previous receipt took, as a client following its own events would.
        for (var i = 0; i < 10; i++)
        {
            var seq = await LastSeqAsync(server, id);
            var response = await (i % 2 == 0 ? ben : ann).PostAsJsonAsync($"/api/v1/conversations/{id}/read", new { seq });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(messageSeq, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lastReadSeq").GetInt64());
            Assert.Equal(HttpStatusCode.OK, (await ben.PostAsJsonAsync($"/api/v1/conversations/{id}/delivered", new { seq })).StatusCode);
        }

        // Ben's one read (which moved delivered with it); Ann's watermark was already at her own message.
        Assert.Equal(messageSeq + 1, await LastSeqAsync(server, id));
        await (await ben.PostAsJsonAsync($"/api/v1/conversations/{id}/read", new { seq = messageSeq + 2 })).AssertProblemAsync(400, "validation_failed");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Reactions_are_bounded_in_length_and_in_number_per_user_and_message(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var id = await ConversationApiTests.DirectAsync(ann, benId);
        var message = await SendAsync(ann, id, "react to me");
        var url = $"/api/v1/conversations/{id}/messages/{message}/reactions";

        // A subdivision flag stretched with extra tags is one grapheme, but no emoji.
        var stretched = "\U0001F3F4" + string.Concat(Enumerable.Repeat("\U000E0067", 8)) + "\U000E007F";
        await (await ann.PutAsync($"{url}/{Uri.EscapeDataString(stretched)}", null)).AssertProblemAsync(400, "validation_failed");

        var emoji = Enumerable.Range(0, MessageStore.MaxReactionsPerUserPerMessage + 5).Select(i => char.ConvertFromUtf32(0x1F600 + i)).ToList();
        var responses = await Task.WhenAll(emoji.Select(e => ann.PutAsync($"{url}/{Uri.EscapeDataString(e)}", null)));
        Assert.Equal(MessageStore.MaxReactionsPerUserPerMessage, responses.Count(r => r.StatusCode == HttpStatusCode.NoContent));
        foreach (var refused in responses.Where(r => r.StatusCode != HttpStatusCode.NoContent))
        {
            await refused.AssertProblemAsync(409, "too_many_reactions");
        }

        Assert.Equal(HttpStatusCode.NoContent, (await ben.PutAsync($"{url}/{Uri.EscapeDataString(emoji[^1])}", null)).StatusCode);
        Assert.Equal(MessageStore.MaxReactionsPerUserPerMessage + 1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM reactions"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_search_of_short_terms_only_looks_at_the_newest_window_of_each_conversation(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, annId) = await ConversationApiTests.UserAsync(server, "ann");
        var (_, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var id = await ConversationApiTests.DirectAsync(ann, benId);
        await SendAsync(ann, id, "ok zebra");
        for (var i = 0; i < 6; i++)
        {
            await SendAsync(ann, id, $"filler {i}");
        }

        var search = new MessageSearch(server.Services.GetRequiredService<Confab.Storage.Engines.ConfabDatabase>()) { ShortTermWindow = 5 };
        Assert.Empty((await search.SearchAsync(Guid.Parse(annId), "ok", null, null, 20, CancellationToken.None)).Items);
        Assert.Single((await search.SearchAsync(Guid.Parse(annId), "ok zebra", null, null, 20, CancellationToken.None)).Items);
        Assert.Single((await search.SearchAsync(Guid.Parse(annId), "fi 5", null, null, 20, CancellationToken.None)).Items);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Group_size_is_bounded_per_create_per_add_and_in_total(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?>
        {
            ["Conversations:MaxGroupMembers"] = "4",
            ["Conversations:MaxMembersPerChange"] = "2",
        });
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var others = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            others.Add((await ConversationApiTests.UserAsync(server, $"user{i}")).Id);
        }

        await (await ann.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "Big", members = others.Take(3) })).AssertProblemAsync(400, "too_many_members");
        var created = await ann.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "Small", members = others.Take(2) });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await (await ann.PostAsJsonAsync($"/api/v1/conversations/{id}/members", new { userIds = others.Skip(2) })).AssertProblemAsync(409, "group_full");
        Assert.Equal(HttpStatusCode.NoContent, (await ann.PostAsJsonAsync($"/api/v1/conversations/{id}/members", new { userIds = others.Skip(2).Take(1) })).StatusCode);
        Assert.Equal(4, (await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{id}/members")).GetArrayLength());
        Assert.Equal(0, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM conversations WHERE title = 'Big'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Settings_that_merely_mention_retentionDays_leave_a_group_under_the_global_limit(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (_, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var created = await ann.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "Tricky", members = new[] { benId } });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var patched = await ann.PatchAsJsonAsync($"/api/v1/conversations/{id}", new { settings = new { note = "\"retentionDays\"", nested = new { retentionDays = 9999 } } });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        await SendAsync(ann, id, "old words");
        await using var db = server.Database.Open();
        await using (var connection = await db.OpenConnectionAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("UPDATE messages SET created_at = @then", new { then = DateTime.UtcNow.AddDays(-3) });
        }

        Assert.Equal(1, await new RetentionSweeper(db, new RetentionPolicy(MaxAgeDays: 2), TimeProvider.System).SweepAsync(CancellationToken.None));
    }

    private static async Task<long> LastSeqAsync(ServerHost server, string id) =>
        await AuthApiTests.CountAsync(server, $"SELECT last_seq FROM conversations WHERE id = '{id}'");

    internal static async Task<string> SendAsync(HttpClient client, string conversation, string body)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { body });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
