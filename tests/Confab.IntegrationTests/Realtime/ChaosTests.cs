using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;

namespace Confab.IntegrationTests.Realtime;

/// <summary>
/// Clients in several conversations send steadily while their connections are dropped at random and a server
/// process is killed with SIGKILL and started again. At the end every member holds every event of its
/// conversations exactly once and in seq order, every acknowledged message among them, and no retried send
/// became two messages.
/// </summary>
public sealed class ChaosTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Engines), MemberType = typeof(TestDatabase))]
    public async Task Acknowledged_messages_reach_every_member_exactly_once_in_order_through_drops_and_a_killed_node(string engine)
    {
        await using var test = await TestDatabase.CreateAsync(engine);
        var dataDir = Directory.CreateTempSubdirectory("confab-chaos-").FullName;
        var nodes = new List<Node> { new(test.Url, dataDir) };
        if (engine == TestDatabase.Postgres)
        {
            nodes.Add(new Node(test.Url, dataDir));
        }

        try
        {
            foreach (var node in nodes)
            {
                await node.StartAsync();
            }

            using var http = new HttpClient { BaseAddress = nodes[0].Address };
            var users = new List<(string Id, string Token)>();
            for (var i = 0; i < 6; i++)
            {
                var response = await http.PostAsJsonAsync("/api/v1/auth/register", new { username = $"chaos{i}", email = $"chaos{i}@example.com", password = "a long enough pass phrase", displayName = $"Chaos {i}" });
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                users.Add((body.GetProperty("user").GetProperty("id").GetString()!, body.GetProperty("accessToken").GetString()!));
            }

            // Three overlapping groups and a direct conversation.
            var memberships = new Dictionary<string, List<int>>();
            foreach (var members in new[] { new[] { 0, 1, 2, 3 }, [2, 3, 4, 5], [0, 5, 1], [4, 1] })
            {
                using var owner = new HttpClient { BaseAddress = nodes[0].Address };
                owner.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", users[members[0]].Token);
                var others = members.Skip(1).Select(m => users[m].Id).ToArray();
                var response = await owner.PostAsJsonAsync("/api/v1/conversations", others.Length == 1
                    ? new { kind = "direct", members = others, title = (string?)null }
                    : new { kind = "group", members = others, title = (string?)"chaos" });
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
                memberships[(await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!] = [.. members];
            }

            var clients = users.Select((u, i) => new ChaosClient(u.Id, u.Token, memberships.Where(m => m.Value.Contains(i)).Select(m => m.Key).ToList(), nodes)).ToList();
            using var sending = new CancellationTokenSource();
            var running = clients.Select(c => c.RunAsync(sending.Token)).ToList();

            await Task.Delay(TimeSpan.FromSeconds(4));
            var victim = nodes[^1];
            victim.Kill();
            await Task.Delay(TimeSpan.FromSeconds(1));
            await victim.StartAsync();
            await Task.Delay(TimeSpan.FromSeconds(4));
            await sending.CancelAsync();

            // Every send is retried with its client id until acknowledged; then every stream runs to its end.
            foreach (var client in clients)
            {
                await client.SettleAsync(TimeSpan.FromSeconds(60));
            }

            var lastSeqs = new Dictionary<string, long>();
            using (var reader = new HttpClient { BaseAddress = nodes[0].Address })
            {
                reader.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", users[0].Token);
                foreach (var (conversation, members) in memberships)
                {
                    using var member = new HttpClient { BaseAddress = nodes[0].Address };
                    member.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", users[members[0]].Token);
                    lastSeqs[conversation] = (await member.GetFromJsonAsync<JsonElement>($"/api/v1/conversations/{conversation}")).GetProperty("lastSeq").GetInt64();
                }
            }

            foreach (var client in clients)
            {
                await client.WaitCaughtUpAsync(lastSeqs, TimeSpan.FromSeconds(60));
            }

            await Task.WhenAll(clients.Select(c => c.StopAsync()));
            await Task.WhenAll(running);

            var acked = clients.SelectMany(c => c.Acked).ToList();
            Assert.True(acked.Count > 50, $"only {acked.Count} messages were acknowledged");
            Assert.True(clients.Sum(c => c.Reconnects) >= clients.Count, "connections should have been dropped and resumed");
            foreach (var client in clients)
            {
                Assert.Empty(client.Violations);
                foreach (var conversation in client.Conversations)
                {
                    Assert.Equal(Enumerable.Range(1, (int)lastSeqs[conversation]).Select(i => (long)i), client.Seqs(conversation));
                }

                // Every acknowledged message of its conversations arrived exactly once.
                var created = client.Created();
                foreach (var message in acked.Where(a => client.Conversations.Contains(a.ConversationId)))
                {
                    Assert.Equal(1, created.Count(c => c.MessageId == message.MessageId));
                }

                // A retried send never became two messages.
                Assert.Equal(created.Count, created.Select(c => (c.SenderId, c.ClientMsgId)).Distinct().Count());
            }

            Assert.Equal(acked.Count, acked.Select(a => a.MessageId).Distinct().Count());
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Kill();
            }

            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>One <c>confab serve</c> process on a fixed port, so that it comes back where clients look for it.</summary>
    private sealed class Node(string databaseUrl, string dataDir)
    {
        private readonly int port = FreePort();
        private Process? process;

        public Uri Address => new($"http://127.0.0.1:{port}");

        public bool Up { get; private set; }

        public async Task StartAsync()
        {
            process = ConfabProcess.Start(
                new Dictionary<string, string>
                {
                    ["CONFAB_AUTH__SENDSPERUSERPERMINUTE"] = "100000",
                    ["CONFAB_AUTH__ATTEMPTSPERIPPERMINUTE"] = "10000",
                },
                "serve", "--db", databaseUrl, "--urls", Address.ToString().TrimEnd('/'), "--data-dir", dataDir);
            using var client = new HttpClient { BaseAddress = Address };
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                try
                {
                    if ((await client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK)
                    {
                        Up = true;
                        return;
                    }
                }
                catch (HttpRequestException) when (DateTime.UtcNow < deadline)
                {
                }

                Assert.True(DateTime.UtcNow < deadline && !process.HasExited, "the node did not become ready");
                await Task.Delay(100);
            }
        }

        public void Kill()
        {
            Up = false;
            if (process is { HasExited: false })
            {
                // SIGKILL: no shutdown, no goodbye to the clients.
                process.Kill();
                process.WaitForExit();
            }

            process?.Dispose();
            process = null;
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }

    internal sealed record Ack(string ConversationId, string MessageId);

    internal sealed record CreatedMessage(string MessageId, string SenderId, string ClientMsgId);

    /// <summary>A client that keeps its cursors, reconnects to any node, drops its own connection now and then, and retries unacknowledged sends.</summary>
    private sealed class ChaosClient(string userId, string token, List<string> conversations, List<Node> nodes)
    {
        private readonly Dictionary<string, List<long>> seqs = conversations.ToDictionary(c => c, _ => new List<long>());
        private readonly List<CreatedMessage> created = [];
        private readonly ConcurrentDictionary<string, (string Conversation, string Body)> unacked = new();
        private readonly ConcurrentBag<Ack> acked = [];
        private readonly ConcurrentBag<string> violations = [];
        private readonly Random random = new(userId.GetHashCode(StringComparison.Ordinal));
        private readonly CancellationTokenSource stop = new();
        private volatile bool sendingDone;

        public IReadOnlyList<string> Conversations => conversations;

        public IEnumerable<Ack> Acked => acked;

        public IEnumerable<string> Violations => violations;

        public int Reconnects { get; private set; }

        public IReadOnlyList<long> Seqs(string conversation)
        {
            lock (seqs)
            {
                return seqs[conversation].ToList();
            }
        }

        public IReadOnlyList<CreatedMessage> Created()
        {
            lock (seqs)
            {
                return created.ToList();
            }
        }

        public async Task RunAsync(CancellationToken sendingToken)
        {
            sendingToken.Register(() => sendingDone = true);
            var counter = 0;
            while (!stop.IsCancellationRequested)
            {
                using var socket = new ClientWebSocket();
                var node = nodes[random.Next(nodes.Count)];
                try
                {
                    using var connectTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                    await socket.ConnectAsync(ChatClient.SocketUri(node.Address), connectTimeout.Token);
                    Dictionary<string, long> cursors;
                    lock (seqs)
                    {
                        cursors = seqs.ToDictionary(s => s.Key, s => s.Value.Count == 0 ? 0 : s.Value[^1]);
                    }

                    await SendAsync(socket, new { type = "hello", token, cursors });
                    using var connection = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                    var receiving = ReceiveAsync(socket, connection.Token);

                    // Retry what was never acknowledged, with the same client ids.
                    foreach (var (clientMsgId, send) in unacked)
                    {
                        await SendAsync(socket, new { type = "send", conversationId = send.Conversation, clientMsgId, body = send.Body });
                    }

                    var dropAt = DateTime.UtcNow.AddMilliseconds(random.Next(800, 3000));
                    while (!receiving.IsCompleted && !stop.IsCancellationRequested)
                    {
                        if (!sendingDone)
                        {
                            var conversation = conversations[random.Next(conversations.Count)];
                            var clientMsgId = $"{userId[^8..]}-{counter++}";
                            var body = $"chaos {clientMsgId}";
                            unacked[clientMsgId] = (conversation, body);
                            await SendAsync(socket, new { type = "send", conversationId = conversation, clientMsgId, body });
                        }

                        if (!sendingDone && DateTime.UtcNow > dropAt)
                        {
                            socket.Abort();
                            break;
                        }

                        await Task.WhenAny(receiving, Task.Delay(random.Next(20, 80), CancellationToken.None));
                    }

                    await connection.CancelAsync();
                    await receiving.ContinueWith(_ => { }, TaskScheduler.Default);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or HttpRequestException or IOException or ObjectDisposedException)
                {
                    // The node is down or the connection broke: try again, anywhere.
                }

                if (!stop.IsCancellationRequested)
                {
                    Reconnects++;
                    await Task.Delay(random.Next(50, 300), CancellationToken.None);
                }
            }
        }

        public async Task SettleAsync(TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (!unacked.IsEmpty)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{unacked.Count} sends were never acknowledged");
                await Task.Delay(100);
            }
        }

        public async Task WaitCaughtUpAsync(IReadOnlyDictionary<string, long> lastSeqs, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (conversations.Any(c => Seqs(c) is var s && (s.Count == 0 ? 0 : s[^1]) < lastSeqs[c]))
            {
                Assert.True(DateTime.UtcNow < deadline, "a client never caught up with its conversations");
                await Task.Delay(100);
            }
        }

        public async Task StopAsync() => await stop.CancelAsync();

        private static Task SendAsync(ClientWebSocket socket, object frame) =>
            socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame), WebSocketMessageType.Text, true, CancellationToken.None);

        private async Task ReceiveAsync(ClientWebSocket socket, CancellationToken cancellationToken)
        {
            var buffer = new byte[1 << 20];
            try
            {
                while (true)
                {
                    var count = 0;
                    ValueWebSocketReceiveResult result;
                    do
                    {
                        result = await socket.ReceiveAsync(buffer.AsMemory(count), cancellationToken);
                        count += result.Count;
                    }
                    while (!result.EndOfMessage);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    Handle(JsonDocument.Parse(buffer.AsMemory(0, count)).RootElement);
                }
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
            {
                // Reconnect.
            }
        }

        private void Handle(JsonElement frame)
        {
            switch (ChatClient.Type(frame))
            {
                case "event":
                    var conversation = frame.GetProperty("conversationId").GetString()!;
                    var seq = frame.GetProperty("seq").GetInt64();
                    lock (seqs)
                    {
                        var held = seqs[conversation];
                        var expected = held.Count == 0 ? 1 : held[^1] + 1;
                        if (seq != expected)
                        {
                            violations.Add($"{conversation}: got seq {seq}, expected {expected}");
                        }

                        held.Add(seq);
                        if (frame.GetProperty("kind").GetString() == "message.created")
                        {
                            var message = frame.GetProperty("data").GetProperty("message");
                            created.Add(new CreatedMessage(message.GetProperty("id").GetString()!, message.GetProperty("senderId").GetString()!, message.GetProperty("clientMsgId").GetString()!));
                        }
                    }

                    break;
                case "ack":
                    var clientMsgId = frame.GetProperty("clientMsgId").GetString()!;
                    if (unacked.TryRemove(clientMsgId, out var sent))
                    {
                        acked.Add(new Ack(sent.Conversation, frame.GetProperty("message").GetProperty("id").GetString()!));
                    }

                    break;
                case "error" when frame.TryGetProperty("clientMsgId", out var refused):
                    // "unavailable" stays unacknowledged and is retried on the next connection; anything else is a bug here.
                    if (frame.GetProperty("code").GetString() != "unavailable")
                    {
                        unacked.TryRemove(refused.GetString()!, out _);
                        violations.Add("send refused: " + frame.GetRawText());
                    }

                    break;
                case "limited":
                    violations.Add("limited: " + frame.GetRawText());
                    break;
                default:
                    break;
            }
        }
    }
}
