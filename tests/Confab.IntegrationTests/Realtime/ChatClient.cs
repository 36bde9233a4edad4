using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace Confab.IntegrationTests.Realtime;

/// <summary>
/// A reference client that uses only what docs/protocol.md says: connect to /api/v1/ws, hello with the token
/// and cursors, then read frames. Every frame received is kept, in order, for the test to inspect.
/// </summary>
public sealed class ChatClient : IAsyncDisposable
{
    private readonly ClientWebSocket socket = new();
    private readonly List<JsonElement> frames = [];
    private readonly SemaphoreSlim arrived = new(0);
    private readonly CancellationTokenSource stop = new();
    private Task? receiving;

    private ChatClient()
    {
    }

    public JsonElement Ready { get; private set; }

    /// <summary>Set when the server closed the socket (or the connection broke: then null).</summary>
    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public TaskCompletionSource Closed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<JsonElement> Frames
    {
        get
        {
            lock (frames)
            {
                return frames.ToList();
            }
        }
    }

    public static Uri SocketUri(Uri httpBase) => new UriBuilder(httpBase) { Scheme = httpBase.Scheme == "https" ? "wss" : "ws", Path = "/api/v1/ws" }.Uri;

    /// <summary>Connects and sends a hello; waits for ready unless <paramref name="expectReady"/> is false.</summary>
    public static async Task<ChatClient> ConnectAsync(
        Uri httpBase, string? token, IReadOnlyDictionary<string, long>? cursors = null, long? userSeq = null, bool catchUpAll = false, bool expectReady = true)
    {
        var client = new ChatClient();
        await client.socket.ConnectAsync(SocketUri(httpBase), CancellationToken.None);
        client.receiving = Task.Run(client.ReceiveLoopAsync);
        var hello = new Dictionary<string, object?> { ["type"] = "hello", ["token"] = token };
        if (cursors is not null)
        {
            hello["cursors"] = cursors;
        }

        if (userSeq is not null)
        {
            hello["userSeq"] = userSeq;
        }

        if (catchUpAll)
        {
            hello["catchUp"] = "all";
        }

        await client.SendAsync(hello);
        if (expectReady)
        {
            client.Ready = await client.WaitForAsync(f => Type(f) == "ready");
        }

        return client;
    }

    public Task SendAsync(object frame) => SendRawAsync(JsonSerializer.SerializeToUtf8Bytes(frame));

    public async Task SendRawAsync(byte[] bytes, WebSocketMessageType type = WebSocketMessageType.Text)
    {
        await socket.SendAsync(bytes, type, endOfMessage: true, CancellationToken.None);
    }

    /// <summary>The first frame received so far, or arriving within the timeout, that matches.</summary>
    public async Task<JsonElement> WaitForAsync(Func<JsonElement, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            var found = Frames.FirstOrDefault(match);
            if (found.ValueKind != JsonValueKind.Undefined)
            {
                return found;
            }

            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException("no matching frame; received: " + string.Join(" | ", Frames.Select(f => f.GetRawText()).TakeLast(10)));
            }

            await arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Conversation events received so far, in arrival order.</summary>
    public IReadOnlyList<JsonElement> Events(string conversationId) =>
        Frames.Where(f => Type(f) == "event" && f.GetProperty("conversationId").GetString() == conversationId).ToList();

    public async Task<IReadOnlyList<JsonElement>> WaitForEventsAsync(string conversationId, int count, TimeSpan? timeout = null)
    {
        await WaitForAsync(_ => Events(conversationId).Count >= count, timeout);
        return Events(conversationId);
    }

    public async Task WaitClosedAsync(TimeSpan? timeout = null) => await Closed.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(10));

    public static string? Type(JsonElement frame) => frame.TryGetProperty("type", out var t) ? t.GetString() : null;

    /// <summary>Drops the connection without a close handshake, as a network failure would.</summary>
    public void Abort() => socket.Abort();

    public async Task CloseAsync()
    {
        if (socket.State == WebSocketState.Open)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                socket.Abort();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync();
        await stop.CancelAsync();
        socket.Abort();
        if (receiving is not null)
        {
            await receiving.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        socket.Dispose();
        stop.Dispose();
        arrived.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[1 << 20];
        try
        {
            while (true)
            {
                var count = 0;
                WebSocketReceiveResult result;
                do
                {
                    result = await socket.ReceiveAsync(buffer.AsMemory(count), stop.Token) is var r
                        ? new WebSocketReceiveResult(r.Count, r.MessageType, r.EndOfMessage, socket.CloseStatus, socket.CloseStatusDescription)
                        : throw new InvalidOperationException();
                    count += result.Count;
                }
                while (!result.EndOfMessage);

                if (result.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = socket.CloseStatus;
                    break;
                }

                using var document = JsonDocument.Parse(Encoding.UTF8.GetString(buffer, 0, count));
                lock (frames)
                {
                    frames.Add(document.RootElement.Clone());
                }

                arrived.Release();
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Broken connection: CloseStatus stays null.
        }

        finally
        {
            Closed.TrySetResult();
            arrived.Release();
        }
    }
}
