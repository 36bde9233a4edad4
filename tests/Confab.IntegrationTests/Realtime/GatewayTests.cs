using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Confab.IntegrationTests.Server;

namespace Confab.IntegrationTests.Realtime;

/// <summary>The WebSocket gateway over real sockets on both engines: replay, live delivery, sends, limits and refusals.</summary>
public sealed class GatewayTests
{
    internal sealed record User(HttpClient Client, string Id, string Token);

    internal static async Task<User> UserAsync(ServerHost server, string name)
    {
        var user = await server.RegisterAsync(name);
        var token = user.GetProperty("accessToken").GetString()!;
        return new User(server.As(token), user.GetProperty("user").GetProperty("id").GetString()!, token);
    }

    internal static async Task<long> SendRestAsync(User user, string conversationId, string body)
    {
        var response = await user.Client.PostAsJsonAsync($"/api/v1/conversations/{conversationId}/messages", new { clientMsgId = Guid.NewGuid().ToString(), body });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("seq").GetInt64();
    }

    private static long Seq(JsonElement frame) => frame.GetProperty("seq").GetInt64();

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Replays_after_the_cursor_then_continues_live_without_gap_or_duplicate(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var alice = await UserAsync(server, "alice");
        var bob = await UserAsync(server, "bob");
        var direct = await ConversationApiTests.DirectAsync(alice.Client, bob.Id);
        for (var i = 0; i < 5; i++)
        {
            await SendRestAsync(alice, direct, $"before {i}");
        }

        // Bob holds everything up to seq 3 and asks for the rest.
        await using var socket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, bob.Token, new Dictionary<string, long> { [direct] = 3 });
        Assert.Equal(bob.Id, socket.Ready.GetProperty("userId").GetString());
        var lastSeq = socket.Ready.GetProperty("conversations").GetProperty(direct).GetInt64();
        await socket.WaitForEventsAsync(direct, (int)(lastSeq - 3));

        var live = await SendRestAsync(alice, direct, "live");
        var events = await socket.WaitForEventsAsync(direct, (int)(live - 3));
        Assert.Equal(Enumerable.Range(4, (int)(live - 3)).Select(i => (long)i), events.Select(Seq));
        var last = events[^1];
        Assert.Equal("message.created", last.GetProperty("kind").GetString());
        Assert.Equal("live", last.GetProperty("data").GetProperty("message").GetProperty("body").GetString());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_send_over_the_socket_is_acked_after_commit_and_a_retry_acks_the_original(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var alice = await UserAsync(server, "alice");
        var bob = await UserAsync(server, "bob");
        var direct = await ConversationApiTests.DirectAsync(alice.Client, bob.Id);
        await using var aliceSocket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, alice.Token);
        await using var bobSocket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, bob.Token);

        var send = new { type = "send", conversationId = direct, clientMsgId = "m-1", body = "hello over the socket" };
        await aliceSocket.SendAsync(send);
        var ack = await aliceSocket.WaitForAsync(f => ChatClient.Type(f) == "ack");
        Assert.True(ack.GetProperty("created").GetBoolean());
        var message = ack.GetProperty("message");
        Assert.Equal("m-1", ack.GetProperty("clientMsgId").GetString());

        // The message is in the database when acked, and Bob sees it live.
        var history = await bob.Client.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{direct}/messages");
        Assert.Contains(history.GetProperty("items").EnumerateArray(), m => m.GetProperty("id").GetString() == message.GetProperty("id").GetString());
        var created = await bobSocket.WaitForAsync(f => ChatClient.Type(f) == "event" && f.GetProperty("kind").GetString() == "message.created");
        Assert.Equal(message.GetProperty("seq").GetInt64(), Seq(created));

        await aliceSocket.SendAsync(send);
        var retry = await aliceSocket.WaitForAsync(f => ChatClient.Type(f) == "ack" && !f.GetProperty("created").GetBoolean());
        Assert.Equal(message.GetProperty("id").GetString(), retry.GetProperty("message").GetProperty("id").GetString());

        // A marker after the retry: when it arrives, a second event for the retry would have arrived before it.
        await aliceSocket.SendAsync(new { type = "send", conversationId = direct, clientMsgId = "m-2", body = "marker" });
        await bobSocket.WaitForAsync(f => ChatClient.Type(f) == "event" && f.GetProperty("data").TryGetProperty("message", out var m) && m.GetProperty("body").GetString() == "marker");
        Assert.Single(bobSocket.Events(direct), e => e.GetProperty("kind").GetString() == "message.created"
            && e.GetProperty("data").GetProperty("message").GetProperty("clientMsgId").GetString() == "m-1");

        // Refusals name the send they refuse and leave the socket open.
        await aliceSocket.SendAsync(new { type = "send", conversationId = direct, clientMsgId = "m-3", body = "" });
        var error = await aliceSocket.WaitForAsync(f => ChatClient.Type(f) == "error" && f.TryGetProperty("clientMsgId", out var c) && c.GetString() == "m-3");
        Assert.Equal("validation_failed", error.GetProperty("code").GetString());
        await aliceSocket.SendAsync(new { type = "send", conversationId = Guid.NewGuid(), clientMsgId = "m-4", body = "to nowhere" });
        var missing = await aliceSocket.WaitForAsync(f => ChatClient.Type(f) == "error" && f.TryGetProperty("clientMsgId", out var c) && c.GetString() == "m-4");
        Assert.Equal("conversation_not_found", missing.GetProperty("code").GetString());
        await aliceSocket.SendAsync(new { type = "ping", id = 7 });
        Assert.Equal(7, (await aliceSocket.WaitForAsync(f => ChatClient.Type(f) == "pong")).GetProperty("id").GetInt32());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task The_switch_from_replay_to_live_loses_and_repeats_nothing_under_concurrent_sends(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?> { ["Auth:SendsPerUserPerMinute"] = "10000" });
        var alice = await UserAsync(server, "alice");
        var bob = await UserAsync(server, "bob");
        var direct = await ConversationApiTests.DirectAsync(alice.Client, bob.Id);
        for (var i = 0; i < 50; i++)
        {
            await SendRestAsync(alice, direct, $"early {i}");
        }

        using var done = new CancellationTokenSource();
        var sent = 0;
        var sender = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                await SendRestAsync(alice, direct, "during");
                Interlocked.Increment(ref sent);
            }
        });

        // Several sockets join while sends keep committing; each must see one unbroken run of seqs.
        var sockets = new List<ChatClient>();
        for (var i = 0; i < 4; i++)
        {
            sockets.Add(await ChatClient.ConnectAsync(server.Client.BaseAddress!, bob.Token, new Dictionary<string, long> { [direct] = 0 }));
            await Task.Delay(100);
        }

        await Task.Delay(500);
        await done.CancelAsync();
        await sender;
        var final = await SendRestAsync(alice, direct, "last");
        foreach (var socket in sockets)
        {
            var events = await socket.WaitForEventsAsync(direct, (int)final);
            Assert.Equal(Enumerable.Range(1, (int)final).Select(i => (long)i), events.Select(Seq));
            await socket.DisposeAsync();
        }

        Assert.True(sent > 0);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_client_too_far_behind_gets_limited_and_pages_the_gap_over_rest(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?> { ["Realtime:ReplayLimit"] = "5" });
        var alice = await UserAsync(server, "alice");
        var bob = await UserAsync(server, "bob");
        var direct = await ConversationApiTests.DirectAsync(alice.Client, bob.Id);
        for (var i = 0; i < 10; i++)
        {
            await SendRestAsync(alice, direct, $"message {i}");
        }

        await using var socket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, bob.Token, new Dictionary<string, long> { [direct] = 1 });
        var limited = await socket.WaitForAsync(f => ChatClient.Type(f) == "limited");
        var lastSeq = limited.GetProperty("lastSeq").GetInt64();
        Assert.Equal(1, limited.GetProperty("afterSeq").GetInt64());
        Assert.Equal("too_far_behind", limited.GetProperty("reason").GetString());
        Assert.Empty(socket.Events(direct));

        // The gap, paged over REST from the URL the frame gives, then live from lastSeq on.
        var seqs = new List<long>();
        var next = limited.GetProperty("events").GetString()!.Replace("limit=200", "limit=3", StringComparison.Ordinal);
        while (true)
        {
            var page = await bob.Client.GetFromJsonAsync<JsonElement>(next);
            var items = page.GetProperty("items").EnumerateArray().ToList();
            seqs.AddRange(items.Select(Seq));
            if (!page.GetProperty("hasMore").GetBoolean())
            {
                break;
            }

            next = $"/api/v1/conversations/{direct}/events?after={seqs[^1]}&limit=3";
        }

        Assert.Equal(Enumerable.Range(2, (int)lastSeq - 1).Select(i => (long)i), seqs);
        var live = await SendRestAsync(alice, direct, "after the gap");
        Assert.Equal(live, Seq(Assert.Single(await socket.WaitForEventsAsync(direct, 1))));

        // A stranger cannot page someone else's log.
        var eve = await UserAsync(server, "eve");
        await (await eve.Client.GetAsync($"/api/v1/conversations/{direct}/events")).AssertProblemAsync(404, "conversation_not_found");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Conversations_created_while_connected_are_followed_from_their_first_event(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var alice = await UserAsync(server, "alice");
        var bob = await UserAsync(server, "bob");
        var carol = await UserAsync(server, "carol");
        await using var socket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, bob.Token);
        Assert.Empty(socket.Ready.GetProperty("conversations").EnumerateObject());

        var response = await alice.Client.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "trip", members = new[] { bob.Id } });
        var group = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var joined = await socket.WaitForAsync(f => ChatClient.Type(f) == "user" && f.GetProperty("kind").GetString() == "conversation.joined");
        Assert.Equal(group, joined.GetProperty("data").GetProperty("conversationId").GetString());
        await SendRestAsync(alice, group, "welcome");
        var addCarol = await alice.Client.PostAsJsonAsync($"/api/v1/conversations/{group}/members", new { userIds = new[] { carol.Id } });
        Assert.True(addCarol.IsSuccessStatusCode, await addCarol.Content.ReadAsStringAsync());
        var events = await socket.WaitForEventsAsync(group, 4);
        Assert.Equal([1L, 2, 3, 4], events.Select(Seq));
        Assert.Equal(["conversation.created", "member.added", "message.created", "member.added"], events.Select(e => e.GetProperty("kind").GetString()));

        // Removed: the user stream says so and the conversation's events stop.
        var remove = await alice.Client.DeleteAsync($"/api/v1/conversations/{group}/members/{bob.Id}");
        Assert.True(remove.IsSuccessStatusCode, await remove.Content.ReadAsStringAsync());
        await socket.WaitForAsync(f => ChatClient.Type(f) == "user" && f.GetProperty("kind").GetString() == "conversation.left");
        await SendRestAsync(alice, group, "after bob left");
        await SendRestAsync(alice, await ConversationApiTests.DirectAsync(alice.Client, bob.Id), "marker");
        await socket.WaitForAsync(f => ChatClient.Type(f) == "user" && f.GetProperty("kind").GetString() == "conversation.joined"
            && f.GetProperty("data").GetProperty("conversationId").GetString() != group);
        await Task.Delay(300);
        Assert.DoesNotContain(socket.Events(group), e => e.GetProperty("data").TryGetProperty("message", out var m) && m.GetProperty("body").GetString() == "after bob left");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Bad_tokens_malformed_and_oversized_frames_get_documented_answers(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?>
        {
            ["Realtime:MaxFrameBytes"] = "4096",
            ["Realtime:MaxBadFrames"] = "3",
        });
        var alice = await UserAsync(server, "alice");
        var baseAddress = server.Client.BaseAddress!;

        await using (var bad = await ChatClient.ConnectAsync(baseAddress, "cfa_not-a-real-token", expectReady: false))
        {
            var error = await bad.WaitForAsync(f => ChatClient.Type(f) == "error");
            Assert.Equal("unauthenticated", error.GetProperty("code").GetString());
            await bad.WaitClosedAsync();
            Assert.Equal((WebSocketCloseStatus)4001, bad.CloseStatus);
        }

        await using (var socket = await ChatClient.ConnectAsync(baseAddress, alice.Token))
        {
            await socket.SendRawAsync(Encoding.UTF8.GetBytes("{not json"));
            await socket.SendRawAsync([0xC3, 0x28], WebSocketMessageType.Binary);
            await socket.SendAsync(new { type = "dance" });
            var errors = await socket.WaitForAsync(_ => socket.Frames.Count(f => ChatClient.Type(f) == "error") >= 3);
            Assert.Equal(["bad_frame", "bad_frame", "unknown_type"], socket.Frames.Where(f => ChatClient.Type(f) == "error").Select(f => f.GetProperty("code").GetString()));

            // Still open after three bad frames; the fourth closes it.
            await socket.SendAsync(new { type = "ping" });
            await socket.WaitForAsync(f => ChatClient.Type(f) == "pong");
            await socket.SendAsync(new { type = 42 });
            await socket.WaitClosedAsync();
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
        }

        // Text frames must be UTF-8 (RFC 6455): anything else closes the socket with 1007.
        await using (var socket = await ChatClient.ConnectAsync(baseAddress, alice.Token))
        {
            await socket.SendRawAsync([0x7B, 0xC3, 0x28, 0x7D]);
            await socket.WaitClosedAsync();
            Assert.Equal(WebSocketCloseStatus.InvalidPayloadData, socket.CloseStatus);
        }

        await using (var socket = await ChatClient.ConnectAsync(baseAddress, alice.Token))
        {
            await socket.SendAsync(new { type = "send", conversationId = Guid.NewGuid(), clientMsgId = "big", body = new string('x', 5000) });
            await socket.WaitClosedAsync();
            Assert.Equal(WebSocketCloseStatus.MessageTooBig, socket.CloseStatus);
        }

        // The token never travels in the URL, and plain HTTP gets a problem, not a hang.
        await (await server.Client.GetAsync("/api/v1/ws?token=x")).AssertProblemAsync(400, "token_in_url");
        await (await server.Client.GetAsync("/api/v1/ws")).AssertProblemAsync(400, "websocket_required");
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Logging_out_revoking_or_disabling_closes_the_sockets_within_a_second(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var admin = await UserAsync(server, "admin");
        var alice = await UserAsync(server, "alice");
        var second = await server.LoginAsync("alice");

        await using var first = await ChatClient.ConnectAsync(server.Client.BaseAddress!, alice.Token);
        await using var other = await ChatClient.ConnectAsync(server.Client.BaseAddress!, second.GetProperty("accessToken").GetString()!);
        var started = DateTime.UtcNow;
        Assert.Equal(HttpStatusCode.NoContent, (await alice.Client.PostAsync("/api/v1/auth/logout", null)).StatusCode);
        await first.WaitClosedAsync(TimeSpan.FromSeconds(1));
        Assert.Equal((WebSocketCloseStatus)4003, first.CloseStatus);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1));
        Assert.Equal("session_revoked", (await first.WaitForAsync(f => ChatClient.Type(f) == "error")).GetProperty("code").GetString());

        // The other session lives on until an admin disables the user.
        Assert.False(other.Closed.Task.IsCompleted);
        var disable = await admin.Client.PostAsync($"/api/v1/admin/users/{alice.Id}/disable", null);
        Assert.True(disable.IsSuccessStatusCode, await disable.Content.ReadAsStringAsync());
        await other.WaitClosedAsync(TimeSpan.FromSeconds(1));
        Assert.Equal((WebSocketCloseStatus)4003, other.CloseStatus);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task The_event_log_and_presence_routes_refuse_bad_and_unauthorised_requests(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine);
        var alice = await UserAsync(server, "alice");
        var bob = await UserAsync(server, "bob");
        var direct = await ConversationApiTests.DirectAsync(alice.Client, bob.Id);
        await SendRestAsync(alice, direct, "one");

        await (await alice.Client.GetAsync($"/api/v1/conversations/{direct}/events?limit=0")).AssertProblemAsync(400, "validation_failed");
        await (await alice.Client.GetAsync($"/api/v1/conversations/{direct}/events?limit=1001")).AssertProblemAsync(400, "validation_failed");
        await (await alice.Client.GetAsync($"/api/v1/conversations/{direct}/events?after=-1")).AssertProblemAsync(400, "validation_failed");
        await (await alice.Client.GetAsync($"/api/v1/conversations/{direct}/events?after=soon")).AssertProblemAsync(400, "invalid_request_body");
        await (await server.Client.GetAsync($"/api/v1/conversations/{direct}/events")).AssertProblemAsync(401, "unauthenticated");
        await (await alice.Client.GetAsync($"/api/v1/conversations/{Guid.NewGuid()}/events")).AssertProblemAsync(404, "conversation_not_found");

        // Past the end: an empty page, not an error.
        var beyond = await alice.Client.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{direct}/events?after=1000");
        Assert.Empty(beyond.GetProperty("items").EnumerateArray());
        Assert.False(beyond.GetProperty("hasMore").GetBoolean());

        await (await server.Client.GetAsync($"/api/v1/users/{bob.Id}/presence")).AssertProblemAsync(401, "unauthenticated");
        await (await alice.Client.GetAsync($"/api/v1/users/{Guid.NewGuid()}/presence")).AssertProblemAsync(404, "user_not_found");
        var offline = await alice.Client.GetFromJsonAsync<JsonElement>($"/api/v1/users/{bob.Id}/presence");
        Assert.Equal("offline", offline.GetProperty("state").GetString());
    }
}
