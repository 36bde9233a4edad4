using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confab.Chat;
using Confab.Chat.Sessions;
using Confab.Storage.Engines;
using Microsoft.Extensions.DependencyInjection;

namespace Confab.IntegrationTests.Server;

/// <summary>A refresh racing the end of its session must never leave a pair that outlives the revocation.</summary>
public class SessionRaceTests
{
    private const int Pairs = 40;
    private const string Password = "a long enough pass phrase";

    private static readonly Dictionary<string, string?> Unlimited = new() { ["Auth:AttemptsPerIpPerMinute"] = "10000" };

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_refresh_racing_the_revocation_of_its_session_issues_nothing_that_works_afterwards(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, Unlimited);
        var owner = await server.RegisterAsync("racer");
        var userId = owner.GetProperty("user").GetProperty("id").GetGuid();
        using var controller = server.As(owner.GetProperty("accessToken").GetString()!);
        var sessions = await IssueAsync(server, userId, Pairs);

        var raced = await Task.WhenAll(sessions.Select(async session =>
        {
            var refresh = server.Client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = session.RefreshToken });
            var revoke = controller.DeleteAsync($"/api/v1/me/sessions/{session.SessionId}");
            await Task.WhenAll(refresh, revoke);
            Assert.Equal(HttpStatusCode.NoContent, (await revoke).StatusCode);
            return await refresh;
        }));

        await AssertNothingIssuedWorksAsync(server, raced);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Refreshes_racing_a_password_change_issue_nothing_that_works_afterwards(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, Unlimited);
        var owner = await server.RegisterAsync("changer_race");
        var userId = owner.GetProperty("user").GetProperty("id").GetGuid();
        using var controller = server.As(owner.GetProperty("accessToken").GetString()!);
        var sessions = await IssueAsync(server, userId, Pairs);

        var refreshes = sessions.Select(s => server.Client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = s.RefreshToken })).ToList();
        var change = controller.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = Password, newPassword = "another long pass phrase" });
        Assert.Equal(HttpStatusCode.NoContent, (await change).StatusCode);
        await AssertNothingIssuedWorksAsync(server, await Task.WhenAll(refreshes));
        Assert.Equal(HttpStatusCode.OK, (await controller.GetAsync("/api/v1/me")).StatusCode);
    }

    private static async Task<IReadOnlyList<TokenPair>> IssueAsync(ServerHost server, Guid userId, int count)
    {
        var database = server.Services.GetRequiredService<ConfabDatabase>();
        var store = server.Services.GetRequiredService<SessionStore>();
        var pairs = new List<TokenPair>();
        for (var i = 0; i < count; i++)
        {
            pairs.Add(await database.WriteAsync(
                (connection, transaction) => store.IssueAsync(connection, transaction, userId, null, new ClientInfo("127.0.0.1", "test", $"device {i}"), CancellationToken.None),
                CancellationToken.None));
        }

        return pairs;
    }

    private static async Task AssertNothingIssuedWorksAsync(ServerHost server, IEnumerable<HttpResponseMessage> refreshes)
    {
        foreach (var response in refreshes)
        {
            if (response.StatusCode != HttpStatusCode.OK)
            {
                await response.AssertProblemAsync(401, "invalid_refresh_token");
                continue;
            }

            var pair = await response.Content.ReadFromJsonAsync<JsonElement>();
            using var client = server.As(pair.GetProperty("accessToken").GetString()!);
            await (await client.GetAsync("/api/v1/me")).AssertProblemAsync(401, "unauthenticated");
            var again = await server.Client.PostAsJsonAsync("/api/v1/auth/refresh", new { refreshToken = pair.GetProperty("refreshToken").GetString() });
            await again.AssertProblemAsync(401, "invalid_refresh_token");
        }
    }
}
