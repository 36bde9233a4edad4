using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

public class AccountLifecycleTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task An_export_holds_profile_sessions_contacts_conversations_messages_reactions_and_attachments(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        await ann.PostAsync($"/api/v1/contacts/{benId}", null);
        var conversation = await ConversationApiTests.DirectAsync(ann, benId);
        var sent = await ann.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { body = "exported words" });
        var message = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await ann.PutAsync($"/api/v1/conversations/{conversation}/messages/{message}/reactions/{Uri.EscapeDataString("👍")}", null);
        await ben.PostAsJsonAsync($"/api/v1/conversations/{conversation}/messages", new { body = "ben's words are ben's" });

        var response = await ann.GetAsync("/api/v1/me/export");
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var archive = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("ann", archive.GetProperty("profile").GetProperty("username").GetString());
        Assert.Equal(1, archive.GetProperty("sessions").GetArrayLength());
        Assert.Equal("ben", archive.GetProperty("contacts")[0].GetProperty("username").GetString());
        Assert.Equal(1, archive.GetProperty("conversations").GetArrayLength());
        Assert.Equal(["exported words"], archive.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()));
        Assert.Equal("👍", archive.GetProperty("reactions")[0].GetProperty("emoji").GetString());
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM audit_log WHERE action = 'account.exported'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Deleting_an_account_erases_personal_data_and_keeps_conversations_intact(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, annId) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var (cat, catId) = await ConversationApiTests.UserAsync(server, "cat");
        var direct = await ConversationApiTests.DirectAsync(ann, benId);
        var group = await ann.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "Club", members = new[] { benId, catId } });
        var groupId = (await group.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        await ann.PostAsJsonAsync($"/api/v1/conversations/{direct}/messages", new { body = "ann's private words" });
        var reply = await ben.PostAsJsonAsync($"/api/v1/conversations/{direct}/messages", new { body = "ben answers" });
        await ann.PutAsync($"/api/v1/conversations/{direct}/messages/{(await reply.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()}/reactions/{Uri.EscapeDataString("❤️")}", null);
        await ann.PostAsync($"/api/v1/contacts/{catId}", null);

        await (await ann.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/me") { Content = JsonContent.Create(new { password = "wrong password here" }) }))
            .AssertProblemAsync(400, "wrong_password");
        var deleted = await ann.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/api/v1/me") { Content = JsonContent.Create(new { password = "a long enough pass phrase" }) });
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);

        await (await ann.GetAsync("/api/v1/me")).AssertProblemAsync(401, "unauthenticated");
        await (await server.Client.PostAsJsonAsync("/api/v1/auth/login", new { login = "ann", password = "a long enough pass phrase" })).AssertProblemAsync(401, "invalid_credentials");
        await (await ben.GetAsync("/api/v1/users/ann")).AssertProblemAsync(404, "user_not_found");

        var history = await ben.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{direct}/messages");
        var items = history.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.Equal(JsonValueKind.Null, items[0].GetProperty("body").ValueKind);
        Assert.Equal("ben answers", items[1].GetProperty("body").GetString());
        Assert.Equal(annId, items[0].GetProperty("senderId").GetString());
        Assert.Equal("owner", (await ben.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{groupId}")).GetProperty("role").GetString());
        Assert.Equal(0, (await cat.GetFromJsonAsync<JsonElement>("/api/v1/contacts")).GetArrayLength());
        Assert.Equal(0, (await ben.GetFromJsonAsync<JsonElement>("/api/v1/search?q=private")).GetProperty("items").GetArrayLength());

        Assert.Equal(0, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM reactions"));
        Assert.Equal(0, await AuthApiTests.CountAsync(server, $"SELECT count(*) FROM users WHERE id = '{annId}' AND (email IS NOT NULL OR password_hash IS NOT NULL)"));
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM audit_log WHERE action = 'account.deleted'"));
        Assert.Equal(0, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM auth_sessions WHERE revoked_at IS NULL AND user_id IN (SELECT id FROM users WHERE erased_at IS NOT NULL)"));
        var details = await ben.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{direct}");
        Assert.Equal(0, details.GetProperty("unreadCount").GetInt64());
    }
}
