using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

public class MessageChangeTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Only_the_author_edits_and_the_history_keeps_earlier_versions(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var id = await ConversationApiTests.DirectAsync(ann, benId);
        var message = await SendAsync(ann, id, "first draft");
        var url = $"/api/v1/conversations/{id}/messages/{message}";

        var edited = await ann.PatchAsJsonAsync(url, new { body = "second draft" });
        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var view = await edited.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("second draft", view.GetProperty("body").GetString());
        Assert.NotEqual(JsonValueKind.Null, view.GetProperty("editedAt").ValueKind);
        await ann.PatchAsJsonAsync(url, new { body = "final" });
        await (await ben.PatchAsJsonAsync(url, new { body = "hijacked" })).AssertProblemAsync(403, "not_author");
        await (await ann.PatchAsJsonAsync(url, new { body = "" })).AssertProblemAsync(400, "validation_failed");

        var edits = await ben.GetFromJsonAsync<JsonElement>($"{url}/edits");
        Assert.Equal(["first draft", "second draft"], edits.EnumerateArray().Select(e => e.GetProperty("previousBody").GetString()));
        await (await ann.PatchAsJsonAsync($"/api/v1/conversations/{id}/messages/{Guid.NewGuid()}", new { body = "x" })).AssertProblemAsync(404, "message_not_found");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_deleted_message_leaves_a_tombstone_without_content_history_or_search_hits(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var id = await ConversationApiTests.DirectAsync(ann, benId);
        var message = await SendAsync(ann, id, "secret plans for saturday");
        var url = $"/api/v1/conversations/{id}/messages/{message}";
        await ann.PatchAsJsonAsync(url, new { body = "secret plans for sunday" });

        await (await ben.DeleteAsync(url)).AssertProblemAsync(403, "not_allowed");
        Assert.Equal(HttpStatusCode.NoContent, (await ann.DeleteAsync(url)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ann.DeleteAsync(url)).StatusCode);

        var history = await ben.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{id}/messages");
        var tombstone = history.GetProperty("items").EnumerateArray().Single(m => m.GetProperty("id").GetString() == message);
        Assert.Equal(JsonValueKind.Null, tombstone.GetProperty("body").ValueKind);
        Assert.NotEqual(JsonValueKind.Null, tombstone.GetProperty("deletedAt").ValueKind);
        Assert.Equal(0, (await ben.GetFromJsonAsync<JsonElement>($"{url}/edits")).GetArrayLength());
        await (await ann.PatchAsJsonAsync(url, new { body = "undo" })).AssertProblemAsync(409, "message_deleted");
        Assert.Equal(0, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM message_edits"));
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM conversation_events WHERE kind = 'message.deleted'"));
        var searchable = engine == TestDatabase.Sqlite
            ? "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '\"plans\"'"
            : "SELECT count(*) FROM messages WHERE deleted_at IS NULL AND body ILIKE '%plans%'";
        Assert.Equal(0, await AuthApiTests.CountAsync(server, searchable));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Moderators_may_delete_others_messages_in_groups_and_that_is_audited(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (owner, _) = await ConversationApiTests.UserAsync(server, "owner");
        var (member, memberId) = await ConversationApiTests.UserAsync(server, "member");
        var group = await owner.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "Club", members = new[] { memberId } });
        var id = (await group.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var mine = await SendAsync(owner, id, "owner speaks");
        var theirs = await SendAsync(member, id, "spam spam spam");

        await (await member.DeleteAsync($"/api/v1/conversations/{id}/messages/{mine}")).AssertProblemAsync(403, "not_allowed");
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/v1/conversations/{id}/messages/{theirs}")).StatusCode);
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM audit_log WHERE action = 'message.deleted_by_moderator'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Reactions_are_added_once_removed_once_and_listed_by_emoji(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var (eve, _) = await ConversationApiTests.UserAsync(server, "eve");
        var id = await ConversationApiTests.DirectAsync(ann, benId);
        var message = await SendAsync(ann, id, "party on saturday");
        var url = $"/api/v1/conversations/{id}/messages/{message}/reactions";
        var party = Uri.EscapeDataString("🎉");

        Assert.Equal(HttpStatusCode.NoContent, (await ann.PutAsync($"{url}/{party}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ann.PutAsync($"{url}/{party}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ben.PutAsync($"{url}/{party}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ben.PutAsync($"{url}/{Uri.EscapeDataString("👍🏽")}", null)).StatusCode);
        await (await ann.PutAsync($"{url}/{Uri.EscapeDataString("lol")}", null)).AssertProblemAsync(400, "validation_failed");
        await (await eve.PutAsync($"{url}/{party}", null)).AssertProblemAsync(404, "conversation_not_found");

        var groups = await ben.GetFromJsonAsync<JsonElement>(url);
        var partyGroup = groups.EnumerateArray().Single(g => g.GetProperty("emoji").GetString() == "🎉");
        Assert.Equal(2, partyGroup.GetProperty("count").GetInt32());
        Assert.True(partyGroup.GetProperty("mine").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await ann.DeleteAsync($"{url}/{party}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ann.DeleteAsync($"{url}/{party}")).StatusCode);
        Assert.Equal(2, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM reactions"));
        Assert.Equal(3, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM conversation_events WHERE kind = 'reaction.added'"));
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM conversation_events WHERE kind = 'reaction.removed'"));
    }

    private static async Task<string> SendAsync(HttpClient client, string conversation, string body)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { body });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
