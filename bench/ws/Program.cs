// Load client for the WebSocket gateway (not a test): registers users, puts them in groups, opens one socket
// each, and has some of them send at a fixed total rate. Prints persisted-and-delivered messages/s and the
// send→ack and send→receive latencies; in "idle" mode it only opens sockets and holds them.
//   Confab.Bench.Ws BASE load USERS SENDERS RATE SECONDS
//   Confab.Bench.Ws BASE idle SOCKETS SECONDS
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;

var baseUri = new Uri(args[0]);
var mode = args[1];
using var http = new HttpClient { BaseAddress = baseUri };
var wsUri = new UriBuilder(baseUri) { Scheme = "ws", Path = "/api/v1/ws" }.Uri;

async Task<(string Id, string Token)> RegisterAsync(string name)
{
    var response = await http.PostAsJsonAsync("/api/v1/auth/register", new { username = name, email = name + "@example.com", password = "bench pass phrase long", displayName = name });
    response.EnsureSuccessStatusCode();
    var body = await response.Content.ReadFromJsonAsync<JsonElement>();
    return (body.GetProperty("user").GetProperty("id").GetString()!, body.GetProperty("accessToken").GetString()!);
}

async Task<ClientWebSocket> ConnectAsync(string token)
{
    var socket = new ClientWebSocket();
    await socket.ConnectAsync(wsUri, CancellationToken.None);
    await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(new { type = "hello", token }), WebSocketMessageType.Text, true, CancellationToken.None);
    return socket;
}

var run = Guid.NewGuid().ToString("N")[..6];
if (mode == "idle")
{
    var count = int.Parse(args[2], CultureInfo.InvariantCulture);
    var (_, token) = await RegisterAsync($"idle_{run}");
    var held = new List<ClientWebSocket>();
    var buffer = new byte[4096];
    for (var i = 0; i < count; i++)
    {
        var socket = await ConnectAsync(token);
        await socket.ReceiveAsync(buffer, CancellationToken.None); // ready
        held.Add(socket);
    }

    Console.WriteLine($"open sockets: {held.Count}");
    await Task.Delay(TimeSpan.FromSeconds(int.Parse(args[3], CultureInfo.InvariantCulture)));
    return;
}

var users = int.Parse(args[2], CultureInfo.InvariantCulture);
var senders = int.Parse(args[3], CultureInfo.InvariantCulture);
var rate = double.Parse(args[4], CultureInfo.InvariantCulture);
var seconds = int.Parse(args[5], CultureInfo.InvariantCulture);
const int GroupSize = 10;

var accounts = new List<(string Id, string Token)>();
for (var i = 0; i < users; i++)
{
    accounts.Add(await RegisterAsync($"ws_{run}_{i}"));
}

var groups = new List<string>();
var groupOf = new Dictionary<int, string>();
for (var g = 0; g * GroupSize < users; g++)
{
    var members = Enumerable.Range(g * GroupSize, Math.Min(GroupSize, users - (g * GroupSize))).ToList();
    using var owner = new HttpClient { BaseAddress = baseUri };
    owner.DefaultRequestHeaders.Authorization = new("Bearer", accounts[members[0]].Token);
    var response = await owner.PostAsJsonAsync("/api/v1/conversations", new { kind = "group", title = "bench", members = members.Skip(1).Select(m => accounts[m].Id).ToArray() });
    response.EnsureSuccessStatusCode();
    var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    groups.Add(id);
    members.ForEach(m => groupOf[m] = id);
}

var clock = Stopwatch.StartNew();
var ackLatency = new ConcurrentBag<double>();
var deliveryLatency = new ConcurrentBag<double>();
long acks = 0, deliveries = 0;
var sockets = new ClientWebSocket[users];
var stop = new CancellationTokenSource();
var readers = new List<Task>();
for (var i = 0; i < users; i++)
{
    sockets[i] = await ConnectAsync(accounts[i].Token);
    var socket = sockets[i];
    readers.Add(Task.Run(async () =>
    {
        var buffer = new byte[1 << 16];
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(count), stop.Token);
                    count += result.Count;
                }
                while (!result.EndOfMessage);
                var now = clock.Elapsed.TotalMilliseconds;
                using var frame = JsonDocument.Parse(buffer.AsMemory(0, count));
                var root = frame.RootElement;
                var type = root.GetProperty("type").GetString();
                if (type == "ack")
                {
                    Interlocked.Increment(ref acks);
                    ackLatency.Add(now - double.Parse(root.GetProperty("message").GetProperty("body").GetString()!, CultureInfo.InvariantCulture));
                }
                else if (type == "event" && root.GetProperty("kind").GetString() == "message.created")
                {
                    Interlocked.Increment(ref deliveries);
                    deliveryLatency.Add(now - double.Parse(root.GetProperty("data").GetProperty("message").GetProperty("body").GetString()!, CultureInfo.InvariantCulture));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
    }));
}

await Task.Delay(1000);
var interval = TimeSpan.FromSeconds(senders / rate);
var sent = 0L;
var started = clock.Elapsed;
var sending = Enumerable.Range(0, senders).Select(s => Task.Run(async () =>
{
    var index = s * (users / senders);
    var socket = sockets[index];
    var next = clock.Elapsed + TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * interval.TotalMilliseconds);
    var n = 0;
    while (clock.Elapsed - started < TimeSpan.FromSeconds(seconds))
    {
        var wait = next - clock.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        next += interval;
        var body = clock.Elapsed.TotalMilliseconds.ToString("F3", CultureInfo.InvariantCulture);
        await socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(new { type = "send", conversationId = groupOf[index], clientMsgId = $"{s}-{n++}", body }),
            WebSocketMessageType.Text, true, CancellationToken.None);
        Interlocked.Increment(ref sent);
    }
})).ToList();
await Task.WhenAll(sending);
var elapsed = (clock.Elapsed - started).TotalSeconds;
await Task.Delay(3000);
await stop.CancelAsync();

static string Percentiles(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length == 0 ? "n/a" : string.Create(CultureInfo.InvariantCulture,
        $"p50 {sorted[sorted.Length / 2]:F1} ms, p99 {sorted[(int)(sorted.Length * 0.99)]:F1} ms, max {sorted[^1]:F1} ms");
}

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"offered {rate:F0} msg/s by {senders} senders to {groups.Count} groups of {GroupSize} ({users} sockets) for {elapsed:F1} s: sent {sent}, acked {acks} ({acks / elapsed:F0} msg/s), delivered {deliveries} events ({deliveries / elapsed:F0}/s)"));
Console.WriteLine($"  send→ack      {Percentiles(ackLatency)}");
Console.WriteLine($"  send→receive  {Percentiles(deliveryLatency)}");
