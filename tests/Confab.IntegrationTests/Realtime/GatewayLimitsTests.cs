using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Confab.IntegrationTests.Server;
using Confab.Server.Realtime;
using Microsoft.Extensions.DependencyInjection;

namespace Confab.IntegrationTests.Realtime;

/// <summary>Hostile and heavy use of the gateway, on both engines: each costs a bounded amount and breaks nothing for others.</summary>
public sealed class GatewayLimitsTests
{
    private static async Task<string> GroupAsync(GatewayTests.User owner, params GatewayTests.User[] members)
    {
        var response = await owner.Client.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "g", members = members.Select(m => m.Id).ToArray() });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task<JsonElement> PingAsync(ChatClient socket)
    {
        var id = Guid.NewGuid().ToString();
        await socket.SendAsync(new { type = "ping", id });
        return await socket.WaitForAsync(f => ChatClient.Type(f) == "pong" && f.GetProperty("id").GetString() == id);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Nul_or_a_lone_surrogate_in_a_frame_is_an_invalid_text_error_and_the_socket_stays_open(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var alice = await GatewayTests.UserAsync(server, "alice");
        var bob = await GatewayTests.UserAsync(server, "bob");
        var direct = await ConversationApiTests.DirectAsync(alice.Client, bob.Id);
        await using var socket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, alice.Token);

        await socket.SendAsync(new { type = "send", conversationId = direct, clientMsgId = "nul", body = "a\u0000b" });
        var nul = await socket.WaitForAsync(f => ChatClient.Type(f) == "error" && f.GetProperty("code").GetString() == "invalid_text");
        await socket.SendRawAsync(Encoding.UTF8.GetBytes($$"""{"type":"send","conversationId":"{{direct}}","clientMsgId":"lone","body":"x\ud800y"}"""));
        await socket.SendRawAsync(Encoding.UTF8.GetBytes($$"""{"type":"send","conversationId":"{{direct}}","clientMsgId":"x\udc00"}"""));
        // Ids too: a conversation id, and a ping id that the pong would echo.
        await socket.SendRawAsync(Encoding.UTF8.GetBytes("""{"type":"delivered","conversationId":"\udc00\ud800","seq":1}"""));
        await socket.SendRawAsync(Encoding.UTF8.GetBytes("""{"type":"ping","id":"a\ud800b"}"""));
        await socket.WaitForAsync(_ => socket.Frames.Count(f => ChatClient.Type(f) == "error" && f.GetProperty("code").GetString() == "invalid_text") == 5);

        await PingAsync(socket);
        Assert.Null(socket.CloseStatus);
        await socket.SendAsync(new { type = "send", conversationId = direct, clientMsgId = "fine", body = "fine" });
        await socket.WaitForAsync(f => ChatClient.Type(f) == "ack" && f.GetProperty("clientMsgId").GetString() == "fine");
        Assert.NotEqual(JsonValueKind.Undefined, nul.ValueKind);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Resume_frames_are_bounded_in_cursors_and_in_rate(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?>
        {
            ["Realtime:MaxResumeCursors"] = "3",
            ["Realtime:ResumesPerMinute"] = "2",
        });
        var alice = await GatewayTests.UserAsync(server, "alice");
        var tooMany = Enumerable.Range(0, 4).ToDictionary(_ => Guid.NewGuid().ToString(), _ => 0L);
        await using (var refused = await ChatClient.ConnectAsync(server.Client.BaseAddress!, alice.Token, tooMany, expectReady: false))
        {
            var error = await refused.WaitForAsync(f => ChatClient.Type(f) == "error");
            Assert.Equal("too_many_cursors", error.GetProperty("code").GetString());
            await refused.WaitClosedAsync();
        }

        await using var socket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, alice.Token);
        await socket.SendAsync(new { type = "resume", cursors = tooMany });
        await socket.WaitForAsync(f => ChatClient.Type(f) == "error" && f.GetProperty("code").GetString() == "too_many_cursors");
        for (var i = 0; i < 3; i++)
        {
            await socket.SendAsync(new { type = "resume", cursors = new Dictionary<string, long>() });
        }

        await socket.WaitForAsync(f => ChatClient.Type(f) == "error" && f.GetProperty("code").GetString() == "rate_limited");
        Assert.Single(socket.Frames, f => ChatClient.Type(f) == "error" && f.GetProperty("code").GetString() == "rate_limited");
        await PingAsync(socket);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Sockets_per_user_and_per_address_are_capped(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?>
        {
            ["Realtime:MaxSocketsPerUser"] = "2",
            ["Realtime:MaxSocketsPerAddress"] = "3",
        });
        var alice = await GatewayTests.UserAsync(server, "alice");
        var bob = await GatewayTests.UserAsync(server, "bob");
        await using var first = await ChatClient.ConnectAsync(server.Client.BaseAddress!, alice.Token);
        await using var second = await ChatClient.ConnectAsync(server.Client.BaseAddress!, alice.Token);
        await using (var third = await ChatClient.ConnectAsync(server.Client.BaseAddress!, alice.Token, expectReady: false))
        {
            var error = await third.WaitForAsync(f => ChatClient.Type(f) == "error");
            Assert.Equal("too_many_sockets", error.GetProperty("code").GetString());
            await third.WaitClosedAsync();
            Assert.Equal(4029, (int)third.CloseStatus!.Value);
        }

        // The refused socket gave its place back (once its request ended): bob takes the address's third.
        await Task.Delay(1000);
        await using var bobs = await ChatClient.ConnectAsync(server.Client.BaseAddress!, bob.Token);
        using var fourth = new ClientWebSocket();
        fourth.Options.CollectHttpResponseDetails = true;
        await Assert.ThrowsAsync<WebSocketException>(() => fourth.ConnectAsync(ChatClient.SocketUri(server.Client.BaseAddress!), CancellationToken.None));
        Assert.Equal(HttpStatusCode.TooManyRequests, fourth.HttpStatusCode);
        await PingAsync(first);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task The_event_cache_is_bounded_by_bytes_not_by_entries(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?> { ["Realtime:EventCacheMegabytes"] = "1" });
        var alice = await GatewayTests.UserAsync(server, "alice");
        var bob = await GatewayTests.UserAsync(server, "bob");
        var group = await GroupAsync(alice, bob);
        var body = new string('x', 10_000);
        for (var i = 0; i < 40; i++)
        {
            await GatewayTests.SendRestAsync(alice, group, body);
        }

        await using var socket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, bob.Token, new Dictionary<string, long> { [group] = 0 });
        var events = await socket.WaitForEventsAsync(group, 42);
        Assert.Equal(Enumerable.Range(1, 42).Select(i => (long)i), events.Select(e => e.GetProperty("seq").GetInt64()));

        // 40 frames of 10,000 characters are ~1.2 MB with their rows; one conversation may hold a 64th of the budget (64 KiB at least).
        var held = server.Services.GetRequiredService<EventCache>().HeldBytes;
        Assert.InRange(held, 1, 64 * 1024);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Typing_start_and_stop_alternation_is_throttled_as_one_budget(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?> { ["Realtime:TypingFramesPerMinute"] = "6" });
        var alice = await GatewayTests.UserAsync(server, "alice");
        var bob = await GatewayTests.UserAsync(server, "bob");
        var direct = await ConversationApiTests.DirectAsync(alice.Client, bob.Id);
        await using var bobs = await ChatClient.ConnectAsync(server.Client.BaseAddress!, bob.Token);
        await using var alices = await ChatClient.ConnectAsync(server.Client.BaseAddress!, alice.Token);
        for (var i = 0; i < 40; i++)
        {
            await alices.SendAsync(new { type = "typing", conversationId = direct, state = i % 2 == 0 ? "start" : "stop" });
        }

        await PingAsync(alices);
        await bobs.WaitForAsync(_ => bobs.Frames.Count(f => ChatClient.Type(f) == "typing") >= 6);
        await Task.Delay(500);
        Assert.Equal(6, bobs.Frames.Count(f => ChatClient.Type(f) == "typing"));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Typing_and_presence_do_not_cross_a_block_either_way(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var alice = await GatewayTests.UserAsync(server, "alice");
        var bob = await GatewayTests.UserAsync(server, "bob");
        var carol = await GatewayTests.UserAsync(server, "carol");
        var group = await GroupAsync(alice, bob, carol);
        var block = await alice.Client.PutAsync($"/api/v1/contacts/{bob.Id}/block", null);
        Assert.True(block.IsSuccessStatusCode, await block.Content.ReadAsStringAsync());

        await using var alices = await ChatClient.ConnectAsync(server.Client.BaseAddress!, alice.Token);
        await using var carols = await ChatClient.ConnectAsync(server.Client.BaseAddress!, carol.Token);
        await using var bobs = await ChatClient.ConnectAsync(server.Client.BaseAddress!, bob.Token);
        await bobs.SendAsync(new { type = "typing", conversationId = group, state = "start" });
        await alices.SendAsync(new { type = "typing", conversationId = group, state = "start" });

        // Carol, blocked by nobody, sees both; the two with a block between them see nothing of each other.
        await carols.WaitForAsync(f => ChatClient.Type(f) == "typing" && f.GetProperty("userId").GetString() == bob.Id);
        await carols.WaitForAsync(f => ChatClient.Type(f) == "typing" && f.GetProperty("userId").GetString() == alice.Id);
        await carols.WaitForAsync(f => ChatClient.Type(f) == "presence" && f.GetProperty("userId").GetString() == bob.Id);
        await Task.Delay(500);
        Assert.DoesNotContain(alices.Frames, f => ChatClient.Type(f) is "typing" or "presence" && f.GetProperty("userId").GetString() == bob.Id);
        Assert.DoesNotContain(bobs.Frames, f => ChatClient.Type(f) is "typing" or "presence" && f.GetProperty("userId").GetString() == alice.Id);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_deleted_group_can_no_longer_be_paged_and_a_re_added_member_resuming_from_an_old_cursor_keeps_following(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var alice = await GatewayTests.UserAsync(server, "alice");
        var bob = await GatewayTests.UserAsync(server, "bob");
        var group = await GroupAsync(alice, bob);
        var cursor = await GatewayTests.SendRestAsync(alice, group, "before");

        Assert.True((await alice.Client.DeleteAsync($"/api/v1/conversations/{group}/members/{bob.Id}")).IsSuccessStatusCode);
        Assert.True((await alice.Client.PostAsJsonAsync($"/api/v1/conversations/{group}/members", new { userIds = new[] { bob.Id } })).IsSuccessStatusCode);
        await using (var socket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, bob.Token, new Dictionary<string, long> { [group] = cursor }))
        {
            await GatewayTests.SendRestAsync(alice, group, "after the return");
            await socket.WaitForAsync(f => ChatClient.Type(f) == "event" && f.GetProperty("data").TryGetProperty("message", out var m)
                && m.GetProperty("body").GetString() == "after the return");

            Assert.True((await alice.Client.DeleteAsync($"/api/v1/conversations/{group}")).IsSuccessStatusCode);
            await socket.WaitForAsync(f => ChatClient.Type(f) == "event" && f.GetProperty("kind").GetString() == "conversation.deleted");
        }

        (await bob.Client.GetAsync($"/api/v1/conversations/{group}/events?after=0")).AssertStatus(404);
        (await alice.Client.GetAsync($"/api/v1/conversations/{group}/events?after=0")).AssertStatus(404);
        await using var late = await ChatClient.ConnectAsync(server.Client.BaseAddress!, bob.Token, new Dictionary<string, long> { [group] = 0 });
        await late.WaitForAsync(f => ChatClient.Type(f) == "error" && f.GetProperty("code").GetString() == "conversation_not_found");
        Assert.Empty(late.Events(group));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_page_of_events_stops_at_a_megabyte_whatever_its_limit(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var alice = await GatewayTests.UserAsync(server, "alice");
        var bob = await GatewayTests.UserAsync(server, "bob");
        var direct = await ConversationApiTests.DirectAsync(alice.Client, bob.Id);
        var body = new string('y', 10_000);
        for (var i = 0; i < 110; i++)
        {
            await GatewayTests.SendRestAsync(alice, direct, body);
        }

        var page = await alice.Client.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{direct}/events?after=0&limit=1000");
        var items = page.GetProperty("items").GetArrayLength();
        Assert.InRange(items, 50, 105);
        Assert.True(page.GetProperty("hasMore").GetBoolean());
        var rest = await alice.Client.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{direct}/events?after={items}&limit=1000");
        Assert.Equal(111 - items, rest.GetProperty("items").GetArrayLength());
        Assert.False(rest.GetProperty("hasMore").GetBoolean());
    }
}

internal static class StatusAssertions
{
    public static void AssertStatus(this HttpResponseMessage response, int status) => Assert.Equal(status, (int)response.StatusCode);
}
