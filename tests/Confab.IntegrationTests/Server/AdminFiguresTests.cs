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
        await SentAtAsync(server, oldId, DateTime.UtcNow.AddMinutes(-30));
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

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Messages_per_day_cover_every_day_of_the_range_oldest_first_with_zero_days(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var root = await GatewayTests.UserAsync(server, "root");
        var ann = await GatewayTests.UserAsync(server, "ann");
        var direct = await ConversationApiTests.DirectAsync(ann.Client, root.Id);
        var today = DateTime.UtcNow.Date;
        var sent = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var response = await ann.Client.PostAsJsonAsync($"/api/v1/conversations/{direct}/messages", new { body = $"m{i}" });
            sent.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        }

        await SentAtAsync(server, sent[0], today.AddDays(-2).AddHours(12));
        await SentAtAsync(server, sent[1], today.AddDays(-2).AddHours(23).AddMinutes(59));
        await SentAtAsync(server, sent[2], today.AddDays(-400));

        await (await ann.Client.GetAsync("/api/v1/admin/stats/messages-per-day")).AssertProblemAsync(403, "forbidden");
        var three = await root.Client.GetFromJsonAsync<JsonElement>("/api/v1/admin/stats/messages-per-day?days=3");
        Assert.Equal(
            [(Day(today.AddDays(-2)), 2L), (Day(today.AddDays(-1)), 0L), (Day(today), 2L)],
            three.EnumerateArray().Select(d => (d.GetProperty("day").GetString()!, d.GetProperty("count").GetInt64())));
        var month = await root.Client.GetFromJsonAsync<JsonElement>("/api/v1/admin/stats/messages-per-day");
        Assert.Equal(30, month.GetArrayLength());
        Assert.Equal(Day(today.AddDays(-29)), month[0].GetProperty("day").GetString());
        Assert.Equal(4, month.EnumerateArray().Sum(d => d.GetProperty("count").GetInt64()));
        var year = await root.Client.GetFromJsonAsync<JsonElement>("/api/v1/admin/stats/messages-per-day?days=365");
        Assert.Equal(365, year.GetArrayLength());
        Assert.Equal(4, year.EnumerateArray().Sum(d => d.GetProperty("count").GetInt64()));

        await (await root.Client.GetAsync("/api/v1/admin/stats/messages-per-day?days=0")).AssertProblemAsync(400, "validation_failed");
        await (await root.Client.GetAsync("/api/v1/admin/stats/messages-per-day?days=366")).AssertProblemAsync(400, "validation_failed");
        await (await root.Client.GetAsync("/api/v1/admin/stats/messages-per-day?days=abc")).AssertProblemAsync(400, "invalid_request_body");
    }

    private static string Day(DateTime day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Moves a message back in time, as if it had been sent then.</summary>
    private static async Task SentAtAsync(ServerHost server, string messageId, DateTime at)
    {
        var database = server.Services.GetRequiredService<ConfabDatabase>();
        await database.WriteAsync(
            (connection, transaction) => connection.ExecuteAsync(new CommandDefinition(
                "UPDATE messages SET created_at = @at WHERE id = @id",
                new { at, id = Guid.Parse(messageId) },
                transaction)),
            CancellationToken.None);
    }
}
