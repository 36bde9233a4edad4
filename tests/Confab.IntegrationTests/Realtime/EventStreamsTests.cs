using Confab.Chat.Realtime;
using Confab.IntegrationTests.Server;

namespace Confab.IntegrationTests.Realtime;

/// <summary>The store behind the gateway, on both engines.</summary>
public sealed class EventStreamsTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Live_sessions_are_told_apart_from_revoked_and_unknown_ones(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var alice = await server.RegisterAsync("alice");
        var live = Guid.Parse(alice.GetProperty("sessionId").GetString()!);
        var second = await server.LoginAsync("alice");
        var revoked = Guid.Parse(second.GetProperty("sessionId").GetString()!);
        using (var client = server.As(second.GetProperty("accessToken").GetString()!))
        {
            Assert.True((await client.PostAsync("/api/v1/auth/logout", null)).IsSuccessStatusCode);
        }

        await using var database = server.Database.Open();
        var streams = new EventStreams(database, TimeProvider.System);
        var result = await streams.LiveSessionsAsync([live, revoked, Guid.NewGuid()], CancellationToken.None);
        Assert.Equal([live], result);
    }
}
