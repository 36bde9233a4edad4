using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;

namespace Confab.IntegrationTests.Server;

public class AuthApiTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Registration_returns_tokens_that_work_and_the_first_user_is_admin(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var first = await server.RegisterAsync("first_user");
        var second = await server.RegisterAsync("second_user");
        Assert.True(first.GetProperty("user").GetProperty("isAdmin").GetBoolean());
        Assert.False(second.GetProperty("user").GetProperty("isAdmin").GetBoolean());
        Assert.StartsWith("cfa_", first.GetProperty("accessToken").GetString(), StringComparison.Ordinal);
        Assert.InRange(first.GetProperty("expiresIn").GetInt32(), 1, 3600);

        using var client = server.As(second.GetProperty("accessToken").GetString()!);
        var me = await client.GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.Equal("second_user", me.GetProperty("username").GetString());
        Assert.False(me.TryGetProperty("passwordHash", out _));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Registration_names_each_invalid_field_and_writes_nothing(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var response = await server.Client.PostAsJsonAsync("/api/v1/auth/register", new { username = "x y", email = "not-an-email", password = "short", displayName = "  " });
        var problem = await response.AssertProblemAsync(400, "validation_failed");
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "username", "email", "password", "displayName" })
        {
            Assert.True(errors.TryGetProperty(field, out _), field);
        }

        var common = await server.Client.PostAsJsonAsync("/api/v1/auth/register", new { username = "plain", email = "plain@example.com", password = "password123", displayName = "Plain" });
        var commonProblem = await common.AssertProblemAsync(400, "validation_failed");
        Assert.Contains("too common", commonProblem.GetProperty("errors").GetProperty("password")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync(server, "SELECT count(*) FROM users"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Usernames_and_emails_are_taken_without_regard_to_case(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        await server.RegisterAsync("Casey");
        var sameName = await server.Client.PostAsJsonAsync("/api/v1/auth/register", new { username = "CASEY", email = "other@example.com", password = "a long enough pass phrase", displayName = "C" });
        await sameName.AssertProblemAsync(409, "username_taken");
        var sameEmail = await server.Client.PostAsJsonAsync("/api/v1/auth/register", new { username = "casey2", email = "CASEY@Example.com", password = "a long enough pass phrase", displayName = "C" });
        await sameEmail.AssertProblemAsync(409, "email_taken");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Login_works_by_username_or_email_and_a_wrong_password_is_audited(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        await server.RegisterAsync("logan");
        await server.LoginAsync("LOGAN");
        await server.LoginAsync("logan@example.com");
        var wrong = await server.Client.PostAsJsonAsync("/api/v1/auth/login", new { login = "logan", password = "not the password" });
        await wrong.AssertProblemAsync(401, "invalid_credentials");
        var nobody = await server.Client.PostAsJsonAsync("/api/v1/auth/login", new { login = "nobody_here", password = "not the password" });
        await nobody.AssertProblemAsync(401, "invalid_credentials");
        Assert.Equal(2, await CountAsync(server, "SELECT count(*) FROM audit_log WHERE action = 'login.failed'"));
        Assert.Equal(2, await CountAsync(server, "SELECT count(*) FROM audit_log WHERE action = 'login.succeeded'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Refresh_rotates_the_pair_and_a_reused_refresh_token_ends_the_session(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var first = await server.RegisterAsync("rotor");
        var oldRefresh = first.GetProperty("refreshToken").GetString();
        var refreshed = await server.Client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = oldRefresh });
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var pair = await refreshed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(first.GetProperty("sessionId").GetString(), pair.GetProperty("sessionId").GetString());

        using (var old = server.As(first.GetProperty("accessToken").GetString()!))
        {
            await (await old.GetAsync("/api/v1/me")).AssertProblemAsync(401, "unauthenticated");
        }

        using var current = server.As(pair.GetProperty("accessToken").GetString()!);
        Assert.Equal(HttpStatusCode.OK, (await current.GetAsync("/api/v1/me")).StatusCode);

        var reuse = await server.Client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = oldRefresh });
        await reuse.AssertProblemAsync(401, "refresh_token_reused");
        await (await current.GetAsync("/api/v1/me")).AssertProblemAsync(401, "unauthenticated");
        var newer = await server.Client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = pair.GetProperty("refreshToken").GetString() });
        await newer.AssertProblemAsync(401, "invalid_refresh_token");
        Assert.Equal(1, await CountAsync(server, "SELECT count(*) FROM audit_log WHERE action = 'session.refresh_reused' AND severity = 'critical'"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Logout_ends_the_session_at_once(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var user = await server.RegisterAsync("leaver");
        using var client = server.As(user.GetProperty("accessToken").GetString()!);
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsync("/api/v1/auth/logout", null)).StatusCode);
        await (await client.GetAsync("/api/v1/me")).AssertProblemAsync(401, "unauthenticated");
        var refresh = await server.Client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = user.GetProperty("refreshToken").GetString() });
        await refresh.AssertProblemAsync(401, "invalid_refresh_token");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Sessions_are_listed_with_the_current_one_marked_and_another_can_be_revoked(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var phone = await server.RegisterAsync("sessions_user");
        var laptop = await server.LoginAsync("sessions_user");
        var stranger = await server.RegisterAsync("stranger");
        using var phoneClient = server.As(phone.GetProperty("accessToken").GetString()!);
        using var laptopClient = server.As(laptop.GetProperty("accessToken").GetString()!);
        using var strangerClient = server.As(stranger.GetProperty("accessToken").GetString()!);

        var sessions = await laptopClient.GetFromJsonAsync<JsonElement>("/api/v1/me/sessions");
        Assert.Equal(2, sessions.GetArrayLength());
        var current = sessions.EnumerateArray().Single(s => s.GetProperty("current").GetBoolean());
        Assert.Equal(laptop.GetProperty("sessionId").GetString(), current.GetProperty("id").GetString());

        var phoneSession = phone.GetProperty("sessionId").GetString();
        await (await strangerClient.DeleteAsync($"/api/v1/me/sessions/{phoneSession}")).AssertProblemAsync(404, "session_not_found");
        Assert.Equal(HttpStatusCode.OK, (await phoneClient.GetAsync("/api/v1/me")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await laptopClient.DeleteAsync($"/api/v1/me/sessions/{phoneSession}")).StatusCode);
        await (await phoneClient.GetAsync("/api/v1/me")).AssertProblemAsync(401, "unauthenticated");
        await (await laptopClient.DeleteAsync($"/api/v1/me/sessions/{Guid.NewGuid()}")).AssertProblemAsync(404, "session_not_found");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Changing_the_password_ends_the_other_sessions(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var here = await server.RegisterAsync("changer");
        var there = await server.LoginAsync("changer");
        using var hereClient = server.As(here.GetProperty("accessToken").GetString()!);
        using var thereClient = server.As(there.GetProperty("accessToken").GetString()!);

        var wrong = await hereClient.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = "guess guess guess", newPassword = "a brand new pass phrase" });
        await wrong.AssertProblemAsync(400, "wrong_password");
        var changed = await hereClient.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = "a long enough pass phrase", newPassword = "a brand new pass phrase" });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await hereClient.GetAsync("/api/v1/me")).StatusCode);
        await (await thereClient.GetAsync("/api/v1/me")).AssertProblemAsync(401, "unauthenticated");
        await server.LoginAsync("changer", "a brand new pass phrase");
        var old = await server.Client.PostAsJsonAsync("/api/v1/auth/login", new { login = "changer", password = "a long enough pass phrase" });
        await old.AssertProblemAsync(401, "invalid_credentials");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Repeated_failed_logins_lock_the_account_with_a_retry_after(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?> { ["Auth:FailuresBeforeLockout"] = "3", ["Auth:LoginBackoffSeconds"] = "900" });
        await server.RegisterAsync("target");
        for (var i = 0; i < 3; i++)
        {
            var failed = await server.Client.PostAsJsonAsync("/api/v1/auth/login", new { login = "target", password = $"wrong guess {i}" });
            await failed.AssertProblemAsync(401, "invalid_credentials");
        }

        var locked = await server.Client.PostAsJsonAsync("/api/v1/auth/login", new { login = "target", password = "a long enough pass phrase" });
        await locked.AssertProblemAsync(429, "login_locked");
        Assert.True(locked.Headers.RetryAfter?.Delta > TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task Too_many_attempts_from_one_address_are_refused_with_a_retry_after()
    {
        await using var server = await ServerHost.StartAsync(TestDatabase.Sqlite, new Dictionary<string, string?> { ["Auth:AttemptsPerIpPerMinute"] = "3" });
        for (var i = 0; i < 3; i++)
        {
            await server.Client.PostAsJsonAsync("/api/v1/auth/login", new { login = "someone", password = "whatever you like" });
        }

        var refused = await server.Client.PostAsJsonAsync("/api/v1/auth/login", new { login = "someone", password = "whatever you like" });
        await refused.AssertProblemAsync(429, "rate_limited");
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Malformed_json_wrong_types_and_unknown_fields_are_refused_and_write_nothing(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        foreach (var body in new[]
        {
            "{\"username\": \"broken\",",
            "{\"username\": 5, \"email\": \"a@example.com\", \"password\": \"a long enough pass phrase\", \"displayName\": \"A\"}",
            "{\"username\": \"sneaky\", \"email\": \"s@example.com\", \"password\": \"a long enough pass phrase\", \"displayName\": \"S\", \"isAdmin\": true}",
            "[]",
        })
        {
            var response = await server.Client.PostAsync("/api/v1/auth/register", new StringContent(body, Encoding.UTF8, "application/json"));
            await response.AssertProblemAsync(400, "invalid_request_body");
        }

        // With Expect: 100-continue the server answers from the headers, before the body is sent.
        using var huge = new HttpRequestMessage(HttpMethod.Post, "/api/v1/auth/register")
        {
            Content = new StringContent("{\"username\": \"" + new string('a', 12 * 1024 * 1024) + "\"}", Encoding.UTF8, "application/json"),
        };
        huge.Headers.ExpectContinue = true;
        await (await server.Client.SendAsync(huge)).AssertProblemAsync(413, "payload_too_large");

        var notJson = await server.Client.PostAsync("/api/v1/auth/register", new StringContent("username=x", Encoding.UTF8, "application/x-www-form-urlencoded"));
        Assert.Equal(415, (int)notJson.StatusCode);
        Assert.Equal(0, await CountAsync(server, "SELECT count(*) FROM users"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Protected_routes_need_a_valid_token(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var anonymous = await server.Client.GetAsync("/api/v1/me");
        await anonymous.AssertProblemAsync(401, "unauthenticated");
        Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.Single().Scheme);
        using var forged = server.As("cfa_" + new string('A', 43));
        await (await forged.GetAsync("/api/v1/me")).AssertProblemAsync(401, "unauthenticated");
        using var refreshAsAccess = server.As((await server.RegisterAsync("mixup")).GetProperty("refreshToken").GetString()!);
        await (await refreshAsAccess.GetAsync("/api/v1/me")).AssertProblemAsync(401, "unauthenticated");
    }

    internal static async Task<long> CountAsync(ServerHost server, string sql)
    {
        await using var db = server.Database.Open();
        await using var connection = await db.OpenConnectionAsync(CancellationToken.None);
        return await connection.ExecuteScalarAsync<long>(sql);
    }
}
