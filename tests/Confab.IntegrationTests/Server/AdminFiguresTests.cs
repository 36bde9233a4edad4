using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Confab.IntegrationTests.Realtime;
using Confab.Storage.Engines;
using Dapper;
using Microsoft.Extensions.DependencyInjection;

namespace Confab.IntegrationTests.Server;

/// <summary>The figures administrators read about the server: this node, the database, and messages over time.</summary>
public class AdminFiguresTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task The_server_overview_counts_what_the_database_holds_and_this_nodes_sockets(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var before = DateTime.UtcNow;
        var root = await GatewayTests.UserAsync(server, "root");
        var ann = await GatewayTests.UserAsync(server, "ann");
        var (ben, benId) = await ConversationApiTests.UserAsync(server, "ben");
        var direct = await ConversationApiTests.DirectAsync(ann.Client, benId);
        var group = await ann.Client.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "Team", members = new[] { benId, root.Id } });
        var groupId = (await group.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await GatewayTests.SendRestAsync(ann, direct, "one");
        await GatewayTests.SendRestAsync(ann, groupId, "two");
        var old = await ben.PostAsJsonAsync($"/api/v1/conversations/{direct}/messages", new { body = "three" });
        var oldId = (await old.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await AgeAsync(server, oldId, TimeSpan.FromMinutes(30));
        await using var socket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, ann.Token);

        await (await ann.Client.GetAsync("/api/v1/admin/server")).AssertProblemAsync(403, "forbidden");
        var overview = await root.Client.GetFromJsonAsync<JsonElement>("/api/v1/admin/server");
        Assert.Equal(socket.Ready.GetProperty("node").GetString(), overview.GetProperty("node").GetString());
        Assert.Matches(@"^\d+\.\d+\.\d+", overview.GetProperty("version").GetString());
        Assert.Equal(engine, overview.GetProperty("engine").GetString());
        Assert.True(overview.GetProperty("schemaVersion").GetInt64() >= 4);
        Assert.Equal(overview.GetProperty("latestKnownVersion").GetInt64(), overview.GetProperty("schemaVersion").GetInt64());
        var startedAt = overview.GetProperty("startedAt").GetDateTime().ToUniversalTime();
        Assert.InRange(startedAt, before.AddMinutes(-1), DateTime.UtcNow);
        Assert.Equal(1, overview.GetProperty("sockets").GetInt32());
        Assert.Equal(3, overview.GetProperty("users").GetInt64());
        Assert.Equal(2, overview.GetProperty("conversations").GetInt64());
        Assert.Equal(3, overview.GetProperty("messages").GetInt64());
        Assert.Equal(2, overview.GetProperty("messagesLastMinute").GetInt64());
        Assert.Equal(3, overview.GetProperty("messagesLastHour").GetInt64());
    }

    /// <summary>Moves a message back in time, as if it had been sent that long ago.</summary>
    private static async Task AgeAsync(ServerHost server, string messageId, TimeSpan age)
    {
        var database = server.Services.GetRequiredService<ConfabDatabase>();
        await database.WriteAsync(
            (connection, transaction) => connection.ExecuteAsync(new CommandDefinition(
                "UPDATE messages SET created_at = @at WHERE id = @id",
                new { at = DateTime.UtcNow - age, id = Guid.Parse(messageId) },
                transaction)),
            CancellationToken.None);
    }
}
