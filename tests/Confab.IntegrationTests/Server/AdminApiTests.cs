using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

public class AdminApiTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Only_administrators_reach_the_admin_routes(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (admin, _) = await ConversationApiTests.UserAsync(server, "root");
        var (user, _) = await ConversationApiTests.UserAsync(server, "plain");
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/admin/users")).StatusCode);
        await (await user.GetAsync("/api/v1/admin/users")).AssertProblemAsync(403, "forbidden");
        await (await user.GetAsync("/api/v1/admin/audit")).AssertProblemAsync(403, "forbidden");
        await (await server.Client.GetAsync("/api/v1/admin/audit")).AssertProblemAsync(401, "unauthenticated");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Disabling_a_user_ends_their_sessions_at_once_and_stops_logins(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (admin, adminId) = await ConversationApiTests.UserAsync(server, "root");
        var (user, userId) = await ConversationApiTests.UserAsync(server, "mallory");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/admin/users/{userId}/disable", null)).StatusCode);
        await (await user.GetAsync("/api/v1/me")).AssertProblemAsync(401, "unauthenticated");
        await (await server.Client.PostAsJsonAsync("/api/v1/auth/login", new { login = "mallory", password = "a long enough pass phrase" })).AssertProblemAsync(403, "account_disabled");
        await (await admin.PostAsync($"/api/v1/admin/users/{adminId}/disable", null)).AssertProblemAsync(400, "validation_failed");
        await (await admin.PostAsync($"/api/v1/admin/users/{Guid.NewGuid()}/disable", null)).AssertProblemAsync(404, "user_not_found");

        Assert.Equal(HttpStatusCode.NoContent, (await admin.PostAsync($"/api/v1/admin/users/{userId}/enable", null)).StatusCode);
        await server.LoginAsync("mallory");
        var audit = await admin.GetFromJsonAsync<JsonElement>("/api/v1/admin/audit?action=user.disabled");
        var entry = audit.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(userId, entry.GetProperty("targetId").GetString());
        Assert.Equal("warning", entry.GetProperty("severity").GetString());
        Assert.Equal(JsonValueKind.Object, entry.GetProperty("details").ValueKind);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Everyone_sees_their_own_security_events_and_nobody_elses(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (ann, annId) = await ConversationApiTests.UserAsync(server, "ann");
        await ConversationApiTests.UserAsync(server, "ben");
        await server.LoginAsync("ann");
        await server.LoginAsync("ben");
        await server.Client.PostAsJsonAsync("/api/v1/auth/login", new { login = "ann", password = "not the right one" });

        var mine = await ann.GetFromJsonAsync<JsonElement>("/api/v1/me/audit?limit=2");
        var actions = new List<string>();
        var page = mine;
        while (true)
        {
            actions.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()!));
            Assert.All(page.GetProperty("items").EnumerateArray(), e => Assert.Equal(annId, e.GetProperty("actorId").GetString()));
            if (page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null)
            {
                break;
            }

            page = await ann.GetFromJsonAsync<JsonElement>($"/api/v1/me/audit?limit=2&cursor={page.GetProperty("nextCursor").GetString()}");
        }

        Assert.Equal(["login.failed", "login.succeeded", "account.registered"], actions);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Users_promote_makes_an_administrator_from_the_command_line(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        await server.RegisterAsync("first");
        var (second, _) = await ConversationApiTests.UserAsync(server, "second");
        await (await second.GetAsync("/api/v1/admin/users")).AssertProblemAsync(403, "forbidden");

        var (code, output, _) = await ConfabProcess.RunAsync("users", "promote", "SECOND", "--db", server.Database.Url);
        Assert.Equal(0, code);
        Assert.Contains("second is an administrator", output, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await second.GetAsync("/api/v1/admin/users")).StatusCode);
        var (missing, _, error) = await ConfabProcess.RunAsync("users", "promote", "nobody", "--db", server.Database.Url);
        Assert.Equal(1, missing);
        Assert.Contains("no user nobody", error, StringComparison.Ordinal);
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM audit_log WHERE action = 'user.promoted'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task The_user_list_filters_by_name_address_or_display_name_and_still_pages(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (admin, _) = await ConversationApiTests.UserAsync(server, "root");
        var (_, carol) = await ConversationApiTests.UserAsync(server, "carol");
        var (_, caroline) = await ConversationApiTests.UserAsync(server, "Caroline");
        var (dave, daveId) = await ConversationApiTests.UserAsync(server, "dave");
        var (_, underscore) = await ConversationApiTests.UserAsync(server, "under_score");
        await ConversationApiTests.UserAsync(server, "erin");
        Assert.Equal(HttpStatusCode.OK, (await dave.PatchAsJsonAsync("/api/v1/me", new { displayName = "Carol's dad" })).StatusCode);

        Assert.Equal(new[] { carol, caroline, daveId }.Order(), (await UserIdsAsync(admin, "query=CAROL&limit=1")).Order());
        Assert.Equal([underscore], await UserIdsAsync(admin, "query=_"));
        Assert.Empty(await UserIdsAsync(admin, "query=%25"));
        Assert.Equal(6, (await UserIdsAsync(admin, "query=example.COM&limit=4")).Count);
        Assert.Equal(6, (await UserIdsAsync(admin, "query=")).Count);
        await (await admin.GetAsync($"/api/v1/admin/users?query={new string('a', 101)}")).AssertProblemAsync(400, "validation_failed");
    }

    /// <summary>Every page of the admin user list, following the cursor to the end.</summary>
    private static async Task<List<string>> UserIdsAsync(HttpClient admin, string arguments)
    {
        var ids = new List<string>();
        var page = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/admin/users?{arguments}");
        while (true)
        {
            ids.AddRange(page.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("id").GetString()!));
            if (page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null)
            {
                return ids;
            }

            page = await admin.GetFromJsonAsync<JsonElement>($"/api/v1/admin/users?{arguments}&cursor={page.GetProperty("nextCursor").GetString()}");
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Promoting_and_demoting_change_who_administers_but_never_the_last_enabled_administrator(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (root, rootId) = await ConversationApiTests.UserAsync(server, "root");
        var (ann, annId) = await ConversationApiTests.UserAsync(server, "ann");
        var (_, benId) = await ConversationApiTests.UserAsync(server, "ben");
        await (await ann.PostAsync($"/api/v1/admin/users/{benId}/promote", null)).AssertProblemAsync(403, "forbidden");
        await (await ann.PostAsync($"/api/v1/admin/users/{rootId}/demote", null)).AssertProblemAsync(403, "forbidden");
        await (await root.PostAsync($"/api/v1/admin/users/{rootId}/demote", null)).AssertProblemAsync(409, "last_admin");
        await (await root.PostAsync($"/api/v1/admin/users/{Guid.NewGuid()}/promote", null)).AssertProblemAsync(404, "user_not_found");
        await (await root.PostAsync($"/api/v1/admin/users/{Guid.NewGuid()}/demote", null)).AssertProblemAsync(404, "user_not_found");

        Assert.Equal(HttpStatusCode.NoContent, (await root.PostAsync($"/api/v1/admin/users/{annId}/promote", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await root.PostAsync($"/api/v1/admin/users/{annId}/promote", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ann.GetAsync("/api/v1/admin/users")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ann.PostAsync($"/api/v1/admin/users/{rootId}/demote", null)).StatusCode);
        await (await root.GetAsync("/api/v1/admin/users")).AssertProblemAsync(403, "forbidden");
        await (await ann.PostAsync($"/api/v1/admin/users/{annId}/demote", null)).AssertProblemAsync(409, "last_admin");

        // A disabled administrator does not count: the one left enabled is the last.
        Assert.Equal(HttpStatusCode.NoContent, (await ann.PostAsync($"/api/v1/admin/users/{benId}/promote", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await ann.PostAsync($"/api/v1/admin/users/{benId}/disable", null)).StatusCode);
        await (await ann.PostAsync($"/api/v1/admin/users/{annId}/demote", null)).AssertProblemAsync(409, "last_admin");
        Assert.Equal(HttpStatusCode.NoContent, (await ann.PostAsync($"/api/v1/admin/users/{benId}/demote", null)).StatusCode);

        var audit = await ann.GetFromJsonAsync<JsonElement>("/api/v1/admin/audit?limit=100");
        var changes = audit.GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("action").GetString() is "user.promoted" or "user.demoted")
            .Select(e => (e.GetProperty("action").GetString(), e.GetProperty("actorId").GetString(), e.GetProperty("targetId").GetString()))
            .Reverse()
            .ToList();
        Assert.Equal(
            [("user.promoted", rootId, annId), ("user.demoted", annId, rootId), ("user.promoted", annId, benId), ("user.demoted", annId, benId)],
            changes);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Two_administrators_demoting_each_other_at_once_leave_one(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (root, rootId) = await ConversationApiTests.UserAsync(server, "root");
        var (ann, annId) = await ConversationApiTests.UserAsync(server, "ann");
        Assert.Equal(HttpStatusCode.NoContent, (await root.PostAsync($"/api/v1/admin/users/{annId}/promote", null)).StatusCode);

        var answers = await Task.WhenAll(root.PostAsync($"/api/v1/admin/users/{annId}/demote", null), ann.PostAsync($"/api/v1/admin/users/{rootId}/demote", null));
        Assert.Contains(answers, a => a.StatusCode == HttpStatusCode.NoContent);
        Assert.Equal(1, await AuthApiTests.CountAsync(server, "SELECT count(*) FROM users WHERE is_admin = TRUE"));
    }

    [Fact]
    public async Task Users_promote_on_a_missing_database_cannot_open_it()
    {
        var path = Path.Combine(Path.GetTempPath(), $"confab-none-{Guid.NewGuid():N}.db");
        var (code, _, error) = await ConfabProcess.RunAsync("users", "promote", "anyone", "--db", $"sqlite:{path}");
        Assert.Equal(3, code);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Bad_audit_filters_are_refused(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var (admin, _) = await ConversationApiTests.UserAsync(server, "root");
        await (await admin.GetAsync("/api/v1/admin/audit?severity=apocalyptic")).AssertProblemAsync(400, "validation_failed");
        await (await admin.GetAsync("/api/v1/admin/audit?cursor=abc")).AssertProblemAsync(400, "validation_failed");
        await (await admin.GetAsync("/api/v1/admin/audit?limit=0")).AssertProblemAsync(400, "validation_failed");
        await (await admin.GetAsync("/api/v1/admin/audit?since=yesterday")).AssertProblemAsync(400, "invalid_request_body");
        await (await admin.GetAsync("/api/v1/admin/users?cursor=not-a-uuid")).AssertProblemAsync(400, "validation_failed");
    }
}
