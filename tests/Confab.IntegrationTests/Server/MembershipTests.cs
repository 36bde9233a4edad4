using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

public class MembershipTests
{
    private static readonly string[] Callers = ["owner", "admin", "moderator", "member", "outsider", "anonymous"];

    /// <summary>Which callers may do each mutating group action; everyone else is refused (403), outsiders get 404, anonymous 401.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["add member"] = ["owner", "admin"],
        ["remove member"] = ["owner", "admin"],
        ["change role"] = ["owner", "admin"],
        ["rename"] = ["owner", "admin"],
        ["pin"] = ["owner", "admin", "moderator"],
        ["delete another's message"] = ["owner", "admin", "moderator"],
        ["delete group"] = ["owner"],
        ["send"] = ["owner", "admin", "moderator", "member"],
        ["read history"] = ["owner", "admin", "moderator", "member"],
    };

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Every_group_action_is_allowed_to_exactly_the_roles_that_should_have_it(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var users = new Dictionary<string, (HttpClient Client, string Id)>();
        foreach (var name in new[] { "owner", "admin", "moderator", "member", "outsider", "victim", "newcomer" })
        {
            users[name] = await ConversationApiTests.UserAsync(server, name);
        }

        users["anonymous"] = (server.Client, string.Empty);
        var failures = new List<string>();
        foreach (var (action, allowed) in Allowed)
        {
            foreach (var caller in Callers)
            {
                var (group, victimMessage) = await NewGroupAsync(users);
                var status = (int)(await ActAsync(users[caller].Client, action, group, victimMessage, users)).StatusCode;
                var expected = caller == "anonymous" ? 401 : caller == "outsider" ? 404 : allowed.Contains(caller) ? 200 : 403;
                if (!(expected == 200 ? status is >= 200 and < 300 : status == expected))
                {
                    failures.Add($"{caller} / {action}: expected {expected}, got {status}");
                }
            }
        }

        Assert.Empty(failures);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task When_the_last_owner_leaves_the_longest_standing_admin_becomes_owner(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (owner, _) = await ConversationApiTests.UserAsync(server, "owner");
        var (admin, adminId) = await ConversationApiTests.UserAsync(server, "admin");
        var (_, memberId) = await ConversationApiTests.UserAsync(server, "member");
        var group = await CreateGroupAsync(owner, memberId, adminId);
        await owner.PutAsJsonAsync($"/api/v1/conversations/{group}/members/{adminId}/role", new { role = "admin" });

        Assert.Equal(HttpStatusCode.NoContent, (await owner.PostAsync($"/api/v1/conversations/{group}/leave", null)).StatusCode);
        await (await owner.GetAsync($"/api/v1/conversations/{group}")).AssertProblemAsync(404, "conversation_not_found");
        Assert.Equal("owner", (await admin.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{group}")).GetProperty("role").GetString());
        var members = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{group}/members");
        Assert.Equal(2, members.GetArrayLength());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task The_owner_cannot_be_removed_and_roles_cannot_be_raised_past_your_own(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (owner, ownerId) = await ConversationApiTests.UserAsync(server, "owner");
        var (admin, adminId) = await ConversationApiTests.UserAsync(server, "admin");
        var (_, memberId) = await ConversationApiTests.UserAsync(server, "member");
        var group = await CreateGroupAsync(owner, adminId, memberId);
        await owner.PutAsJsonAsync($"/api/v1/conversations/{group}/members/{adminId}/role", new { role = "admin" });

        await (await admin.DeleteAsync($"/api/v1/conversations/{group}/members/{ownerId}")).AssertProblemAsync(403, "not_allowed");
        await (await owner.DeleteAsync($"/api/v1/conversations/{group}/members/{ownerId}")).AssertProblemAsync(400, "validation_failed");
        await (await admin.PutAsJsonAsync($"/api/v1/conversations/{group}/members/{memberId}/role", new { role = "admin" })).AssertProblemAsync(403, "not_allowed");
        await (await admin.PutAsJsonAsync($"/api/v1/conversations/{group}/members/{adminId}/role", new { role = "owner" })).AssertProblemAsync(403, "not_allowed");
        await (await owner.PutAsJsonAsync($"/api/v1/conversations/{group}/members/{memberId}/role", new { role = "emperor" })).AssertProblemAsync(400, "validation_failed");
        Assert.Equal(HttpStatusCode.NoContent, (await owner.PutAsJsonAsync($"/api/v1/conversations/{group}/members/{memberId}/role", new { role = "owner" })).StatusCode);
        Assert.Equal(2, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM audit_log WHERE action = 'role.changed'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_removed_member_loses_access_and_can_be_added_back(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (owner, _) = await ConversationApiTests.UserAsync(server, "owner");
        var (member, memberId) = await ConversationApiTests.UserAsync(server, "member");
        var group = await CreateGroupAsync(owner, memberId);
        Assert.Equal(HttpStatusCode.NoContent, (await owner.DeleteAsync($"/api/v1/conversations/{group}/members/{memberId}")).StatusCode);
        await (await member.GetAsync($"/api/v1/conversations/{group}/messages")).AssertProblemAsync(404, "conversation_not_found");
        Assert.Equal(0, (await member.GetFromJsonAsync<JsonElement>("/api/v1/conversations")).GetProperty("items").GetArrayLength());

        Assert.Equal(HttpStatusCode.NoContent, (await owner.PostAsJsonAsync($"/api/v1/conversations/{group}/members", new { userIds = new[] { memberId } })).StatusCode);
        Assert.Equal("member", (await member.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{group}")).GetProperty("role").GetString());
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM user_events WHERE kind = 'conversation.left'"));
        // Joined twice: when the group was created with it, and when it was added back.
        Assert.Equal(2, await AuthApiTests.CountAsync(server, $"SELECT count(*) FROM user_events WHERE kind = 'conversation.joined' AND user_id = '{memberId}'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Direct_conversations_have_no_membership_to_manage_but_can_be_muted_and_pinned(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, _) = await ConversationApiTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var direct = await ConversationApiTests.DirectAsync(ann, benId);
        await (await ann.PostAsync($"/api/v1/conversations/{direct}/leave", null)).AssertProblemAsync(400, "not_a_group");
        await (await ann.PatchAsJsonAsync($"/api/v1/conversations/{direct}", new { title = "ours" })).AssertProblemAsync(400, "not_a_group");

        var until = DateTime.UtcNow.AddHours(8);
        Assert.Equal(HttpStatusCode.NoContent, (await ann.PutAsJsonAsync($"/api/v1/conversations/{direct}/mute", new { until })).StatusCode);
        var muted = await ann.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{direct}");
        Assert.True(Math.Abs((muted.GetProperty("mutedUntil").GetDateTime() - until).TotalSeconds) < 1);
        Assert.Equal(JsonValueKind.Null, (await ben.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{direct}")).GetProperty("mutedUntil").ValueKind);

        var sent = await ben.PostAsJsonAsync($"/api/v1/conversations/{direct}/messages", new { body = "remember this" });
        var message = (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        Assert.Equal(HttpStatusCode.NoContent, (await ann.PutAsync($"/api/v1/conversations/{direct}/pins/{message}", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ben.PutAsync($"/api/v1/conversations/{direct}/pins/{message}", null)).StatusCode);
        var pins = await ben.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{direct}/pins");
        Assert.Equal(message, pins[0].GetProperty("id").GetString());
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM conversation_events WHERE kind = 'message.pinned'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_group_is_renamed_with_settings_and_unknown_fields_are_refused(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (owner, _) = await ConversationApiTests.UserAsync(server, "owner");
        var (_, memberId) = await ConversationApiTests.UserAsync(server, "member");
        var group = await CreateGroupAsync(owner, memberId);
        var renamed = await owner.PatchAsJsonAsync($"/api/v1/conversations/{group}", new { title = "Renamed 🎉", settings = new { onlyAdminsPost = false } });
        Assert.Equal("Renamed 🎉", (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        await (await owner.PatchAsJsonAsync($"/api/v1/conversations/{group}", new { kind = "direct" })).AssertProblemAsync(400, "validation_failed");
        await (await owner.PatchAsJsonAsync($"/api/v1/conversations/{group}", new { title = "  " })).AssertProblemAsync(400, "validation_failed");
        await (await owner.PatchAsJsonAsync($"/api/v1/conversations/{group}", new { settings = new[] { 1, 2 } })).AssertProblemAsync(400, "validation_failed");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Bad_member_lists_and_mute_times_are_refused_and_change_nothing(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (owner, _) = await ConversationApiTests.UserAsync(server, "owner");
        var (_, memberId) = await ConversationApiTests.UserAsync(server, "member");
        var group = await CreateGroupAsync(owner, memberId);
        var url = $"/api/v1/conversations/{group}";
        await (await owner.PostAsJsonAsync($"{url}/members", new { userIds = Array.Empty<Guid>() })).AssertProblemAsync(400, "validation_failed");
        await (await owner.PostAsJsonAsync($"{url}/members", new { userIds = Enumerable.Range(0, 101).Select(_ => Guid.NewGuid()) })).AssertProblemAsync(400, "too_many_members");
        await (await owner.PostAsJsonAsync($"{url}/members", new { userIds = new[] { Guid.NewGuid() } })).AssertProblemAsync(400, "unknown_user");
        await (await owner.PostAsJsonAsync($"{url}/members", new { userIds = "everyone" })).AssertProblemAsync(400, "invalid_request_body");
        await (await owner.PutAsJsonAsync($"{url}/mute", new { until = "tomorrow-ish" })).AssertProblemAsync(400, "invalid_request_body");
        await (await owner.PutAsJsonAsync($"{url}/members/{memberId}/role", new { })).AssertProblemAsync(400, "validation_failed");
        Assert.Equal(2, (await owner.GetFromJsonAsync<JsonElement>($"{url}/members")).GetArrayLength());
        Assert.Equal(1, await AuthApiTests.CountAsync(server, $"SELECT count(*) FROM conversation_events WHERE conversation_id = '{group}' AND kind = 'member.added'"));
    }

    private static async Task<(string Group, string VictimMessage)> NewGroupAsync(Dictionary<string, (HttpClient Client, string Id)> users)
    {
        var owner = users["owner"].Client;
        var group = await CreateGroupAsync(owner, users["admin"].Id, users["moderator"].Id, users["member"].Id, users["victim"].Id);
        await owner.PutAsJsonAsync($"/api/v1/conversations/{group}/members/{users["admin"].Id}/role", new { role = "admin" });
        await owner.PutAsJsonAsync($"/api/v1/conversations/{group}/members/{users["moderator"].Id}/role", new { role = "moderator" });
        var sent = await users["victim"].Client.PostAsJsonAsync($"/api/v1/conversations/{group}/messages", new { body = "a message by the victim" });
        return (group, (await sent.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
    }

    private static Task<HttpResponseMessage> ActAsync(HttpClient client, string action, string group, string message, Dictionary<string, (HttpClient Client, string Id)> users)
    {
        var url = $"/api/v1/conversations/{group}";
        return action switch
        {
            "add member" => client.PostAsJsonAsync($"{url}/members", new { userIds = new[] { users["newcomer"].Id } }),
            "remove member" => client.DeleteAsync($"{url}/members/{users["victim"].Id}"),
            "change role" => client.PutAsJsonAsync($"{url}/members/{users["victim"].Id}/role", new { role = "moderator" }),
            "rename" => client.PatchAsJsonAsync(url, new { title = "New title" }),
            "pin" => client.PutAsync($"{url}/pins/{message}", null),
            "delete another's message" => client.DeleteAsync($"{url}/messages/{message}"),
            "delete group" => client.DeleteAsync(url),
            "send" => client.PostAsJsonAsync($"{url}/messages", new { body = "hello" }),
            "read history" => client.GetAsync($"{url}/messages"),
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        };
    }

    private static async Task<string> CreateGroupAsync(HttpClient owner, params string[] members)
    {
        var response = await owner.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "Test group", members });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }
}
