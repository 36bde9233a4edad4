using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Confab.IntegrationTests.Server;
using Confab.Storage;
using Npgsql;

namespace Confab.IntegrationTests.Realtime;

/// <summary>Several nodes on one PostgreSQL, losing the LISTEN connection, one node per SQLite file, slow consumers and shutdown.</summary>
public sealed class MultiNodeTests
{
    [Fact]
    public async Task Two_nodes_on_postgres_deliver_each_others_events_typing_and_revocations()
    {
        await using var first = await ServerHost.StartAsync(TestDatabase.Postgres);
        await using var second = await ServerHost.StartNodeAsync(first);
        var alice = await GatewayTests.UserAsync(first, "alice");
        var bob = await GatewayTests.UserAsync(first, "bob");
        var direct = await ConversationApiTests.DirectAsync(alice.Client, bob.Id);

        await using var bobOnSecond = await ChatClient.ConnectAsync(second.Client.BaseAddress!, bob.Token);
        await using var aliceOnFirst = await ChatClient.ConnectAsync(first.Client.BaseAddress!, alice.Token);
        Assert.NotEqual(bobOnSecond.Ready.GetProperty("node").GetString(), aliceOnFirst.Ready.GetProperty("node").GetString());

        await aliceOnFirst.SendAsync(new { type = "send", conversationId = direct, clientMsgId = "x1", body = "across nodes" });
        var ack = await aliceOnFirst.WaitForAsync(f => ChatClient.Type(f) == "ack");
        var seen = await bobOnSecond.WaitForAsync(f => ChatClient.Type(f) == "event" && f.GetProperty("kind").GetString() == "message.created");
        Assert.Equal(ack.GetProperty("message").GetProperty("id").GetString(), seen.GetProperty("data").GetProperty("message").GetProperty("id").GetString());

        await aliceOnFirst.SendAsync(new { type = "typing", conversationId = direct, state = "start" });
        var typing = await bobOnSecond.WaitForAsync(f => ChatClient.Type(f) == "typing");
        Assert.Equal(alice.Id, typing.GetProperty("userId").GetString());
        Assert.True(typing.GetProperty("ttlMs").GetInt32() > 0);

        // Bob's presence as alice's node knows it, from the other node's announcement.
        var presence = await alice.Client.GetFromJsonAsync<JsonElement>($"/api/v1/users/{bob.Id}/presence");
        Assert.Equal("online", presence.GetProperty("state").GetString());

        // Logging out on the first node closes bob's socket on the second within a second.
        var started = DateTime.UtcNow;
        Assert.Equal(HttpStatusCode.NoContent, (await bob.Client.PostAsync("/api/v1/auth/logout", null)).StatusCode);
        await bobOnSecond.WaitClosedAsync(TimeSpan.FromSeconds(1));
        Assert.Equal((WebSocketCloseStatus)4003, bobOnSecond.CloseStatus);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_node_that_loses_its_listen_connection_reconnects_and_its_clients_lose_nothing()
    {
        await using var first = await ServerHost.StartAsync(TestDatabase.Postgres);
        await using var second = await ServerHost.StartNodeAsync(first);
        var alice = await GatewayTests.UserAsync(first, "alice");
        var bob = await GatewayTests.UserAsync(first, "bob");
        var direct = await ConversationApiTests.DirectAsync(alice.Client, bob.Id);
        await using var bobOnSecond = await ChatClient.ConnectAsync(second.Client.BaseAddress!, bob.Token);

        // Cut every LISTEN connection of this database, then send while they are down.
        await using (var admin = new NpgsqlConnection(TestDatabase.PostgresServer.ConnectionString))
        {
            await admin.OpenAsync();
            await using var kill = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'confab-listen' AND datname = @db", admin);
            kill.Parameters.AddWithValue("db", first.Database.Target.DatabaseName!);
            Assert.Equal(2L, await kill.ExecuteScalarAsync());
        }

        var sent = new List<long>();
        for (var i = 0; i < 5; i++)
        {
            sent.Add(await GatewayTests.SendRestAsync(alice, direct, $"while reconnecting {i}"));
        }

        var events = await bobOnSecond.WaitForEventsAsync(direct, 5, TimeSpan.FromSeconds(15));
        Assert.Equal(sent, events.Select(e => e.GetProperty("seq").GetInt64()));
        sent.Add(await GatewayTests.SendRestAsync(alice, direct, "after"));
        Assert.Equal(sent, (await bobOnSecond.WaitForEventsAsync(direct, 6)).Select(e => e.GetProperty("seq").GetInt64()));
    }

    [Fact]
    public async Task A_second_node_on_the_same_sqlite_file_refuses_to_start()
    {
        await using var first = await ServerHost.StartAsync(TestDatabase.Sqlite);
        var refused = await Assert.ThrowsAsync<StorageOperationException>(() => ServerHost.StartNodeAsync(first));
        Assert.Contains("SQLite serves a single node", refused.Message, StringComparison.Ordinal);
        Assert.Contains("PostgreSQL", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task A_slow_consumer_is_disconnected_and_resumes_without_loss(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?>
        {
            ["Realtime:OutboundQueueFrames"] = "8",
            ["Realtime:SlowConsumerSeconds"] = "1",
            ["Realtime:ReplayLimit"] = "5000",
            ["Auth:SendsPerUserPerMinute"] = "10000",
        });
        var alice = await GatewayTests.UserAsync(server, "alice");
        var bob = await GatewayTests.UserAsync(server, "bob");
        var direct = await ConversationApiTests.DirectAsync(alice.Client, bob.Id);
        var body = new string('z', 9_000);
        long last = 0;
        for (var i = 0; i < 800; i++)
        {
            last = await GatewayTests.SendRestAsync(alice, direct, body);
        }

        // A client that asks for everything and then does not read: kernel buffers fill, then its queue.
        var received = new List<long>();
        using (var stalled = new ClientWebSocket())
        {
            await stalled.ConnectAsync(ChatClient.SocketUri(server.Client.BaseAddress!), CancellationToken.None);
            await stalled.SendAsync(JsonSerializer.SerializeToUtf8Bytes(new { type = "hello", token = bob.Token, cursors = new Dictionary<string, long> { [direct] = 0 } }),
                WebSocketMessageType.Text, true, CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(6));

            // Now read what made it before the server gave up: a prefix of the events, then the end of the connection.
            var buffer = new byte[1 << 20];
            try
            {
                while (true)
                {
                    var count = 0;
                    ValueWebSocketReceiveResult result;
                    do
                    {
                        result = await stalled.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                        count += result.Count;
                    }
                    while (!result.EndOfMessage);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        break;
                    }

                    var frame = JsonDocument.Parse(buffer.AsMemory(0, count)).RootElement;
                    if (ChatClient.Type(frame) == "event")
                    {
                        received.Add(frame.GetProperty("seq").GetInt64());
                    }
                }
            }
            catch (WebSocketException)
            {
                // Dropped without a close frame: what was buffered is all it gets.
            }
        }

        Assert.True(received.Count < last, $"the stalled client should have been cut off, but got all {last} events");
        Assert.Equal(Enumerable.Range(1, received.Count).Select(i => (long)i), received);

        // Resuming from the last seq it holds gets the rest exactly once.
        var held = received.Count == 0 ? 0 : received[^1];
        await using var resumed = await ChatClient.ConnectAsync(server.Client.BaseAddress!, bob.Token, new Dictionary<string, long> { [direct] = held });
        var events = await resumed.WaitForEventsAsync(direct, (int)(last - held), TimeSpan.FromSeconds(30));
        Assert.Equal(Enumerable.Range((int)held + 1, (int)(last - held)).Select(i => (long)i), events.Select(e => e.GetProperty("seq").GetInt64()));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Shutdown_tells_clients_to_reconnect(string engine)
    {
        var server = await ServerHost.StartAsync(engine);
        var alice = await GatewayTests.UserAsync(server, "alice");
        var socket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, alice.Token);
        var disposing = server.DisposeAsync().AsTask();
        await socket.WaitClosedAsync();
        var reconnect = await socket.WaitForAsync(f => ChatClient.Type(f) == "reconnect");
        Assert.True(reconnect.GetProperty("retryAfterMs").GetInt32() > 0);
        Assert.Equal((WebSocketCloseStatus)1012, socket.CloseStatus);
        await disposing.WaitAsync(TimeSpan.FromSeconds(15));
        await socket.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Presence_goes_online_and_offline_for_conversation_partners(string engine)
    {
        await using var server = await ServerHost.StartAsync(engine, new Dictionary<string, string?> { ["Realtime:OfflineGraceSeconds"] = "1" });
        var alice = await GatewayTests.UserAsync(server, "alice");
        var bob = await GatewayTests.UserAsync(server, "bob");
        var stranger = await GatewayTests.UserAsync(server, "stranger");
        await ConversationApiTests.DirectAsync(alice.Client, bob.Id);
        await using var aliceSocket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, alice.Token);
        await using var strangerSocket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, stranger.Token);

        var bobSocket = await ChatClient.ConnectAsync(server.Client.BaseAddress!, bob.Token);
        await aliceSocket.WaitForAsync(f => ChatClient.Type(f) == "presence" && f.GetProperty("userId").GetString() == bob.Id && f.GetProperty("state").GetString() == "online");
        await bobSocket.DisposeAsync();
        await aliceSocket.WaitForAsync(f => ChatClient.Type(f) == "presence" && f.GetProperty("userId").GetString() == bob.Id && f.GetProperty("state").GetString() == "offline");
        var profile = await alice.Client.GetFromJsonAsync<JsonElement>($"/api/v1/users/{bob.Id}/presence");
        Assert.Equal("offline", profile.GetProperty("state").GetString());
        Assert.NotEqual(JsonValueKind.Null, profile.GetProperty("lastSeenAt").ValueKind);

        // Someone who shares nothing with bob is not told.
        Assert.DoesNotContain(strangerSocket.Frames, f => ChatClient.Type(f) == "presence" && f.GetProperty("userId").GetString() == bob.Id);
    }
}
