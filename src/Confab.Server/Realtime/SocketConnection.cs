using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Confab.Chat;
using Confab.Chat.Messages;
using Confab.Chat.Realtime;
using Confab.Chat.Sessions;
using Confab.Storage;
using Microsoft.Extensions.Logging;

namespace Confab.Server.Realtime;

/// <summary>Close codes of the gateway (docs/protocol.md).</summary>
public static class SocketClose
{
    public const WebSocketCloseStatus Normal = WebSocketCloseStatus.NormalClosure;
    public const WebSocketCloseStatus Abuse = WebSocketCloseStatus.PolicyViolation;
    public const WebSocketCloseStatus TooBig = WebSocketCloseStatus.MessageTooBig;
    public const WebSocketCloseStatus ServiceRestart = (WebSocketCloseStatus)1012;
    public const WebSocketCloseStatus Unauthenticated = (WebSocketCloseStatus)4001;
    public const WebSocketCloseStatus SessionRevoked = (WebSocketCloseStatus)4003;
    public const WebSocketCloseStatus SlowConsumer = (WebSocketCloseStatus)4008;
}

/// <summary>
/// One client socket: a reader loop (client frames), a pump (reads the event logs on from this socket's cursors
/// and queues frames) and a writer loop (drains the bounded queue). Only the pump moves cursors, so a frame is
/// queued once per seq, in seq order, whether it comes from a replay or from a live change.
/// </summary>
public sealed partial class SocketConnection
{
    private const int PageSize = 200;
    private const int SmallBuffer = 4096;
    private static readonly TimeSpan TypingThrottle = TimeSpan.FromSeconds(2);

    private readonly WebSocket socket;
    private readonly RealtimeHub hub;
    private readonly EventStreams streams;
    private readonly EventCache cache;
    private readonly SessionStore sessions;
    private readonly MessageSending sending;
    private readonly MessageStore messages;
    private readonly JsonSerializerOptions json;
    private readonly ILogger logger;
    private readonly RealtimeOptions options;
    private readonly TimeProvider clock;
    private readonly Lock gate = new();
    private readonly Dictionary<Guid, long> cursors = [];
    private readonly HashSet<Guid> dirty = [];
    private readonly Queue<IReadOnlyDictionary<Guid, long>> resumes = new();
    private readonly Dictionary<Guid, DateTimeOffset> typing = [];
    private readonly Channel<bool> wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<byte[]> outbound;
    private readonly CancellationTokenSource lifetime = new();
    private readonly TaskCompletionSource writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] receiveBuffer = new byte[SmallBuffer];
    private bool userDirty;
    private bool ready;
    private long userCursor;
    private int badFrames;
    private int closing;
    private bool dropQueue;
    private WebSocketCloseStatus closeStatus = SocketClose.Normal;
    private string closeReason = "bye";

    internal SocketConnection(
        WebSocket socket, RealtimeHub hub, EventStreams streams, EventCache cache, SessionStore sessions, MessageSending sending, MessageStore messages,
        JsonSerializerOptions json, ILogger logger, TimeProvider clock)
    {
        this.socket = socket;
        this.hub = hub;
        this.streams = streams;
        this.cache = cache;
        this.sessions = sessions;
        this.sending = sending;
        this.messages = messages;
        this.json = json;
        this.logger = logger;
        this.clock = clock;
        options = hub.Options;
        outbound = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(options.OutboundQueueFrames)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    public Guid UserId { get; private set; }

    public Guid SessionId { get; private set; }

    internal IReadOnlyList<Guid> Following
    {
        get
        {
            lock (gate)
            {
                return cursors.Keys.ToList();
            }
        }
    }

    /// <summary>A change committed in a conversation this socket follows.</summary>
    internal void Wake(Guid conversationId)
    {
        lock (gate)
        {
            if (cursors.ContainsKey(conversationId))
            {
                dirty.Add(conversationId);
            }
        }

        wake.Writer.TryWrite(true);
    }

    internal void WakeUser()
    {
        lock (gate)
        {
            userDirty = true;
        }

        wake.Writer.TryWrite(true);
    }

    /// <summary>Signals may have been lost: read every followed stream on from its cursor.</summary>
    internal void WakeAll()
    {
        lock (gate)
        {
            dirty.UnionWith(cursors.Keys);
            userDirty = true;
        }

        wake.Writer.TryWrite(true);
    }

    /// <summary>Typing and presence: dropped, not waited for, when the queue is full (they carry no history).</summary>
    internal void SendEphemeral(byte[] frame)
    {
        if (Volatile.Read(ref ready))
        {
            outbound.Writer.TryWrite(frame);
        }
    }

    /// <summary>Runs the socket until either side closes it.</summary>
    internal async Task RunAsync(CancellationToken aborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, lifetime.Token);
        var writer = Task.Run(() => WriteLoopAsync(linked.Token), CancellationToken.None);
        var registered = false;
        try
        {
            var hello = await ReceiveHelloAsync(linked.Token);
            if (hello is null)
            {
                return;
            }

            hub.Register(this);
            registered = true;
            await StartStreamsAsync(hello, linked.Token);
            var pump = Task.Run(() => PumpAsync(linked.Token), CancellationToken.None);
            await ReadLoopAsync(linked.Token);
            await CloseAsync(closeStatus, closeReason, announceReconnect: false);
            await Task.WhenAny(pump, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
        }
        catch (OperationCanceledException) when (linked.IsCancellationRequested)
        {
            // The client went away or the socket was closed from our side.
        }
        catch (WebSocketException)
        {
            // The connection broke, or the WebSocket layer failed the socket itself after sending its own close frame
            // (a text frame that is not UTF-8 gets 1007 there). Tearing the connection down at once could reset it
            // before the client has read that close frame; a moment's wait lets it through. Either way the client
            // resumes from its cursors.
            await Task.Delay(TimeSpan.FromMilliseconds(500), CancellationToken.None);
        }
        finally
        {
            if (registered)
            {
                hub.Unregister(this);
                await StopTypingAsync();
            }

            await CloseAsync(closeStatus, closeReason, announceReconnect: false);
            await Task.WhenAny(writer, Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None));
            await AwaitClientCloseAsync();
            await lifetime.CancelAsync();
            await writer.ContinueWith(_ => { }, TaskScheduler.Default);
            lifetime.Dispose();
        }
    }

    /// <summary>
    /// Closes the socket: queued frames are sent first (unless the client is too slow to take them), then the
    /// close frame. Safe to call more than once and from any thread.
    /// </summary>
    internal Task CloseAsync(WebSocketCloseStatus status, string reason, bool announceReconnect)
    {
        if (Interlocked.Exchange(ref closing, 1) == 1)
        {
            return writerDone.Task;
        }

        closeStatus = status;
        closeReason = reason;
        if (status == SocketClose.SlowConsumer)
        {
            // It is not reading, so a close frame would not get through either: drop the connection.
            dropQueue = true;
            lifetime.Cancel();
        }
        else if (announceReconnect)
        {
            outbound.Writer.TryWrite(Frames.Write(w =>
            {
                w.WriteString("type", "reconnect");
                w.WriteString("reason", reason);
                w.WriteNumber("retryAfterMs", Random.Shared.Next(250, 2500));
            }));
        }
        else if (status == SocketClose.SessionRevoked)
        {
            outbound.Writer.TryWrite(Frames.Error("session_revoked", "This session has ended; log in again."));
        }

        outbound.Writer.TryComplete();
        return writerDone.Task;
    }

    private async Task WriteLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var frame in outbound.Reader.ReadAllAsync(cancellationToken))
            {
                if (dropQueue)
                {
                    break;
                }

                await socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                hub.Metrics.FrameSent();
            }

            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(closeStatus, closeReason, timeout.Token);

                // The reader sees the client's close frame and ends the socket; a client that never sends one is dropped.
                lifetime.CancelAfter(TimeSpan.FromSeconds(2));
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Nothing more can be said to this client.
        }
        finally
        {
            writerDone.TrySetResult();
        }
    }

    /// <summary>
    /// After our close frame, reads until the client's (bounded): tearing the connection down at once could make
    /// the client's TCP stack discard the last frames it has not read yet.
    /// </summary>
    private async Task AwaitClientCloseAsync()
    {
        if (socket.State != WebSocketState.CloseSent)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var scratch = new byte[4096];
        try
        {
            while (socket.State == WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(scratch.AsMemory(), timeout.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // The client did not answer; the connection is dropped.
        }
    }

    /// <summary>Queues a frame that must not be lost; a queue that stays full marks a slow consumer, which is closed (it resumes by cursor).</summary>
    private async Task EnqueueAsync(byte[] frame, CancellationToken cancellationToken)
    {
        if (outbound.Writer.TryWrite(frame))
        {
            return;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(options.SlowConsumerSeconds));
        try
        {
            await outbound.Writer.WriteAsync(frame, wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            RealtimeLog.SlowConsumer(logger, UserId);
            await CloseAsync(SocketClose.SlowConsumer, "slow consumer", announceReconnect: false);
            throw new OperationCanceledException("slow consumer", cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new OperationCanceledException("closing", cancellationToken);
        }
    }

    /// <summary>
    /// One whole client frame, or null when the socket is closing. The buffer starts small and grows up to the
    /// frame limit only for a large frame, so an idle socket holds a few KiB, not the limit.
    /// </summary>
    private async Task<byte[]?> ReceiveAsync(CancellationToken cancellationToken)
    {
        if (receiveBuffer.Length > SmallBuffer * 4)
        {
            receiveBuffer = new byte[SmallBuffer];
        }

        var count = 0;
        while (true)
        {
            if (count == receiveBuffer.Length)
            {
                if (receiveBuffer.Length >= options.MaxFrameBytes)
                {
                    await CloseAsync(SocketClose.TooBig, $"frames are limited to {options.MaxFrameBytes} bytes", announceReconnect: false);
                    return null;
                }

                Array.Resize(ref receiveBuffer, Math.Min(receiveBuffer.Length * 2, options.MaxFrameBytes));
            }

            var buffer = receiveBuffer;
            var result = await socket.ReceiveAsync(buffer.AsMemory(count), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                await CloseAsync(SocketClose.Normal, "bye", announceReconnect: false);
                return null;
            }

            count += result.Count;
            if (result.EndOfMessage)
            {
                if (result.MessageType == WebSocketMessageType.Binary)
                {
                    return [];
                }

                hub.Metrics.FrameReceived();
                return buffer[..count];
            }
        }
    }
}
