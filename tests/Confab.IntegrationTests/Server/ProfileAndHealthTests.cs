using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Confab.IntegrationTests.Server;

public class ProfileAndHealthTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_profile_patch_changes_named_fields_clears_nulls_and_validates_each_field(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var user = await server.RegisterAsync("profiled");
        using var client = server.As(user.GetProperty("accessToken").GetString()!);

        var changed = await client.PatchAsJsonAsync("/api/v1/me", new { displayName = "Pro Filed", bio = "likes 湖 and 🏔️", avatarUrl = "https://example.com/a.png" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var cleared = await client.PatchAsync("/api/v1/me", JsonContent.Create(new Dictionary<string, object?> { ["bio"] = null }));
        var me = await cleared.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Pro Filed", me.GetProperty("displayName").GetString());
        Assert.Equal(JsonValueKind.Null, me.GetProperty("bio").ValueKind);
        Assert.Equal("https://example.com/a.png", me.GetProperty("avatarUrl").GetString());

        var invalid = await client.PatchAsJsonAsync("/api/v1/me", new { displayName = "", avatarUrl = "javascript:alert(1)", bio = new string('b', 501), username = "renamed" });
        var errors = (await invalid.AssertProblemAsync(400, "validation_failed")).GetProperty("errors");
        Assert.True(errors.TryGetProperty("username", out _));
        var unchanged = await client.GetFromJsonAsync<JsonElement>("/api/v1/me");
        Assert.Equal("profiled", unchanged.GetProperty("username").GetString());
        Assert.Equal("Pro Filed", unchanged.GetProperty("displayName").GetString());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Health_is_up_and_ready_when_migrated(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/healthz")).StatusCode);
        var ready = await server.Client.GetFromJsonAsync<JsonElement>("/readyz");
        Assert.Equal("ready", ready.GetProperty("status").GetString());
        var openApi = await server.Client.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        Assert.True(openApi.GetProperty("paths").TryGetProperty("/api/v1/auth/login", out _));
        await (await server.Client.GetAsync("/api/v1/nothing-here")).AssertProblemAsync(404, "not_found");
    }

    [Theory]
    [InlineData(TestDatabase.Postgres, "migrations_pending")]
    [InlineData(TestDatabase.Sqlite, "database_unavailable")]
    public async Task A_server_told_not_to_migrate_is_not_ready_until_the_schema_is_current(string engine, string status)
    {
        // An empty PostgreSQL database exists but has no schema; an SQLite file that was never migrated does not exist yet.
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?> { ["Server:Migrate"] = "false" });
        var response = await server.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(status, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }
}
