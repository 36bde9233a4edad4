using System.Globalization;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Confab.IntegrationTests.Realtime;

namespace Confab.IntegrationTests.Fuzz;

/// <summary>
/// Hostile client frames over a real WebSocket: every client frame type of docs/protocol.md, valid and mutated one
/// field at a time, plus non-JSON, binary, invalid UTF-8 and oversized frames, and hostile hellos on new sockets.
/// Each frame is followed by a ping; the pong proves the socket survived. A socket torn down without a close frame,
/// or closed with a code the protocol does not give for that input (1011 above all), is a failure.
/// </summary>
internal sealed class SocketFuzzer(Uri baseAddress, FuzzReport report)
{
    public const int MaxFrameBytes = 131_072;

    /// <summary>The client frame types of docs/protocol.md and SocketConnection's dispatch, plus what it must refuse.</summary>
    public static readonly IReadOnlyDictionary<string, string> Frames = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["send"] = """{"type":"send","conversationId":"$conv","clientMsgId":"$clientmsg","body":"over the socket","replyTo":"$message","attachmentIds":[]}""",
        ["send (ciphertext)"] = """{"type":"send","conversationId":"$conv","clientMsgId":"$clientmsg","ciphertext":"$key"}""",
        ["typing"] = """{"type":"typing","conversationId":"$conv","state":"start"}""",
        ["read"] = """{"type":"read","conversationId":"$conv","seq":1}""",
        ["delivered"] = """{"type":"delivered","conversationId":"$conv","seq":1}""",
        ["resume"] = """{"type":"resume","cursors":{"$conv":0}}""",
        ["ping"] = """{"type":"ping","id":"x"}""",
        ["hello (again)"] = """{"type":"hello","token":"$token"}""",
        ["unknown type"] = """{"type":"shout","conversationId":"$conv"}""",
    };

    private const string Hello = """{"type":"hello","token":"$token","cursors":{"$conv":0},"userSeq":0,"catchUp":"all"}""";

    public async Task RunAsync(FuzzWorld world, string lane, int seed, int count)
    {
        var random = new Random(seed);
        Connection? connection = null;
        var kinds = Frames.Keys.ToList();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var requestId = $"fz-{lane}-{i.ToString(CultureInfo.InvariantCulture)}";
                if (i % 10 == 9)
                {
                    await HelloAsync(world, random, requestId);
                    continue;
                }

                // A fresh socket now and then keeps the frames one connection holds small.
                if (connection is null || !connection.Open || connection.Frames.Count > 300)
                {
                    if (connection is not null)
                    {
                        await connection.DisposeAsync();
                    }

                    connection = await Connection.OpenAsync(baseAddress, requestId);
                    await connection.SendAsync(Encoding.UTF8.GetBytes(Fill(Hello, world, random)), WebSocketMessageType.Text);
                    if (await connection.WaitForAsync(f => f.Type == "ready") is null)
                    {
                        report.Record("socket hello", $"no ready (close {connection.CloseStatus?.ToString() ?? "none"})");
                        report.Fail("socket hello", "a valid hello got no ready", Fill(Hello, world, random), string.Join(" | ", connection.Seen));
                        connection = null;
                        continue;
                    }
                }

                var kind = kinds[i < kinds.Count ? i : random.Next(kinds.Count)];
                var (bytes, type, shape) = Frame(Frames[kind], world, random);
                var route = $"socket {kind}";
                report.Sent(connection.RequestId, route, $"{shape}: {FuzzReport.Show(bytes)}");
                var outcome = await ExchangeAsync(connection, bytes, type, i);
                report.Record(route, outcome.Outcome);
                if (outcome.Failure is { } failure)
                {
                    report.Fail(route, failure, $"{shape}; frame {FuzzReport.Show(bytes)}", string.Join(" | ", connection.Seen.TakeLast(5)));
                }
            }
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    private async Task HelloAsync(FuzzWorld world, Random random, string requestId)
    {
        var (bytes, type, shape) = Frame(Hello, world, random);
        report.Sent(requestId, "socket hello", $"{shape}: {FuzzReport.Show(bytes)}");
        await using var connection = await Connection.OpenAsync(baseAddress, requestId);
        await connection.SendAsync(bytes, type);
        var answer = await connection.WaitForAsync(f => f.Type is "ready" or "error");
        var outcome = answer?.Type == "ready" ? "ready" : answer?.Code is { } code ? $"error:{code}" : "no answer";
        if (answer?.Type != "ready")
        {
            await connection.WaitClosedAsync();
            outcome += $"/close {Close(connection.CloseStatus)}";
        }

        report.Record("socket hello", outcome);
        var allowed = (connection.CloseStatus is null && answer?.Type == "ready") || Expected(connection.CloseStatus, bytes, type, hello: true);
        if (!allowed)
        {
            report.Fail("socket hello", $"closed {Close(connection.CloseStatus)}", $"{shape}; frame {FuzzReport.Show(bytes)}", string.Join(" | ", connection.Seen));
        }
    }

    private static async Task<(string Outcome, string? Failure)> ExchangeAsync(Connection connection, byte[] bytes, WebSocketMessageType type, int n)
    {
        var before = connection.Seen.Count;
        var pingId = $"p{n.ToString(CultureInfo.InvariantCulture)}";
        try
        {
            await connection.SendAsync(bytes, type);
            await connection.SendAsync(Encoding.UTF8.GetBytes($$"""{"type":"ping","id":"{{pingId}}"}"""), WebSocketMessageType.Text);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException)
        {
            // Closed while sending: judged by the close below.
        }

        var pong = await connection.WaitForAsync(f => f.Type == "pong" && f.Id == pingId);
        var answers = connection.Frames.Skip(before).Where(f => f.Type is not ("pong" or "event" or "presence" or "typing" or "user_event")).ToList();
        var answer = answers.Count == 0 ? "pong" : string.Join(',', answers.Select(a => a.Code is null ? a.Type : $"{a.Type}:{a.Code}").Distinct().Order(StringComparer.Ordinal));
        if (answers.FirstOrDefault(a => a.Code is "internal_error" or "internal") is { } internalError)
        {
            return (answer, $"error frame {internalError.Code}");
        }

        if (pong is not null)
        {
            return (answer, null);
        }

        await connection.WaitClosedAsync();
        var outcome = $"{answer}/close {Close(connection.CloseStatus)}";
        if (connection.Open)
        {
            return ("no pong", "no pong within 10 s and the socket still open");
        }

        return Expected(connection.CloseStatus, bytes, type, hello: false) ? (outcome, null) : (outcome, $"closed {Close(connection.CloseStatus)}");
    }

    /// <summary>The close codes docs/protocol.md gives for an input; anything else (1011, no close frame) is a failure.</summary>
    private static bool Expected(WebSocketCloseStatus? status, byte[] bytes, WebSocketMessageType type, bool hello)
    {
        var code = (int?)status;
        return code switch
        {
            1007 => type == WebSocketMessageType.Text && !IsUtf8(bytes),
            1009 => bytes.Length > MaxFrameBytes,
            1008 => true,
            4001 => hello,
            4003 => true,
            _ => false,
        };
    }

    private static string Close(WebSocketCloseStatus? status) => status is null ? "none (torn down)" : ((int)status).ToString(CultureInfo.InvariantCulture);

    private static bool IsUtf8(byte[] bytes)
    {
        try
        {
            _ = new UTF8Encoding(false, true).GetString(bytes);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static (byte[] Bytes, WebSocketMessageType Type, string Shape) Frame(string template, FuzzWorld world, Random random)
    {
        var valid = JsonShape.Parse(Fill(template, world, random));
        var roll = random.Next(100);
        if (roll < 8)
        {
            return (valid.ToBytes(), WebSocketMessageType.Text, "valid");
        }

        if (roll < 75)
        {
            var shape = JsonMutations.MutateOneField(valid, world, random);
            return (valid.ToBytes(), WebSocketMessageType.Text, shape);
        }

        if (roll < 82)
        {
            return (valid.ToBytes(), WebSocketMessageType.Binary, "as a binary frame");
        }

        var (body, what) = JsonMutations.WholeBody(valid, random);
        if (body is { Length: > 2 * MaxFrameBytes })
        {
            body = body[..(MaxFrameBytes + 1)];
            what = "just over MaxFrameBytes";
        }

        return (body ?? [], WebSocketMessageType.Text, $"frame := {what}");
    }

    private static string Fill(string template, FuzzWorld world, Random random)
    {
        var conversation = random.Next(3) switch { 0 => world.Group, 1 => world.Direct, _ => world.ScratchGroup };
        return ValidRequests.Fill(
            template.Replace("$conv", conversation, StringComparison.Ordinal).Replace("$token", world.Me.AccessToken, StringComparison.Ordinal)
                .Replace("$message", conversation == world.Group ? world.GroupMessage : conversation == world.Direct ? world.Message : world.ScratchMessage, StringComparison.Ordinal),
            world,
            random);
    }

    internal sealed record Received(string? Type, string? Code, string? Id, string Text);

    /// <summary>A raw client socket: sends bytes as given and keeps every frame and the close status it receives.</summary>
    private sealed class Connection : IAsyncDisposable
    {
        private readonly ClientWebSocket socket = new();
        private readonly List<Received> frames = [];
        private readonly SemaphoreSlim arrived = new(0);
        private readonly TaskCompletionSource closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private Task receiving = Task.CompletedTask;

        private Connection(string requestId) => RequestId = requestId;

        public string RequestId { get; }

        public WebSocketCloseStatus? CloseStatus { get; private set; }

        public bool Open => !closed.Task.IsCompleted && socket.State == WebSocketState.Open;

        public IReadOnlyList<Received> Frames
        {
            get
            {
                lock (frames)
                {
                    return frames.ToList();
                }
            }
        }

        public IReadOnlyList<string> Seen => Frames.Select(f => FuzzReport.Truncate(f.Text, 300)).Append(closed.Task.IsCompleted ? $"closed {Close(CloseStatus)}" : "open").ToList();

        public static async Task<Connection> OpenAsync(Uri baseAddress, string requestId)
        {
            var connection = new Connection(requestId);
            connection.socket.Options.SetRequestHeader("X-Request-Id", requestId);
            await connection.socket.ConnectAsync(ChatClient.SocketUri(baseAddress), CancellationToken.None);
            connection.receiving = Task.Run(connection.ReceiveAsync);
            return connection;
        }

        public async Task SendAsync(byte[] bytes, WebSocketMessageType type)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await socket.SendAsync(bytes, type, endOfMessage: true, timeout.Token);
        }

        public async Task<Received?> WaitForAsync(Func<Received, bool> match)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while (true)
            {
                if (Frames.FirstOrDefault(match) is { } found)
                {
                    return found;
                }

                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || closed.Task.IsCompleted)
                {
                    return Frames.FirstOrDefault(match);
                }

                await arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            }
        }

        public async Task WaitClosedAsync() => await Task.WhenAny(closed.Task, Task.Delay(TimeSpan.FromSeconds(10)));

        public async ValueTask DisposeAsync()
        {
            if (socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                try
                {
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
                {
                    // Already broken; abort below.
                }
            }

            socket.Abort();
            await receiving.ContinueWith(_ => { }, TaskScheduler.Default);
            socket.Dispose();
            arrived.Dispose();
        }

        private async Task ReceiveAsync()
        {
            var buffer = new byte[1 << 16];
            try
            {
                while (true)
                {
                    using var message = new MemoryStream();
                    ValueWebSocketReceiveResult result;
                    do
                    {
                        result = await socket.ReceiveAsync(buffer.AsMemory(), CancellationToken.None);
                        message.Write(buffer, 0, result.Count);
                    }
                    while (!result.EndOfMessage);

                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        CloseStatus = socket.CloseStatus;
                        return;
                    }

                    var text = Encoding.UTF8.GetString(message.ToArray());
                    string? type = null, code = null, id = null;
                    try
                    {
                        using var document = JsonDocument.Parse(text);
                        var root = document.RootElement;
                        type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
                        code = root.TryGetProperty("code", out var c) ? c.GetString() : null;
                        id = root.TryGetProperty("id", out var i) && i.ValueKind == JsonValueKind.String ? i.GetString() : null;
                    }
                    catch (JsonException)
                    {
                        type = "(not JSON)";
                    }

                    lock (frames)
                    {
                        frames.Add(new Received(type, code, id, text));
                    }

                    arrived.Release();
                }
            }
            catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                // Torn down without a close frame: CloseStatus stays null.
            }
            finally
            {
                closed.TrySetResult();
                try
                {
                    arrived.Release();
                }
                catch (ObjectDisposedException)
                {
                    // Disposed while closing.
                }
            }
        }
    }
}
