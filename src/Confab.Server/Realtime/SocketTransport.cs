using System.Net.WebSockets;
using System.Threading.Channels;
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
    public const WebSocketCloseStatus TooManySockets = (WebSocketCloseStatus)4029;
}

/// <summary>
/// The wire of one socket: whole client frames in (a buffer that grows only for a large frame), and a writer loop
/// that drains a bounded outbound queue. A queue that stays full marks a slow consumer, which is dropped (it resumes
/// by cursor). Closing sends what is queued first, then the close frame, and waits (bounded) for the client's.
/// </summary>
internal sealed class SocketTransport : IDisposable
{
    private const int SmallBuffer = 4096;

    private readonly WebSocket socket;
    private readonly SocketServices services;
    private readonly Channel<byte[]> outbound;
    private readonly CancellationTokenSource lifetime = new();
    private readonly TaskCompletionSource writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private byte[] receiveBuffer = new byte[SmallBuffer];
    private int closing;
    private bool dropQueue;
    private WebSocketCloseStatus closeStatus = SocketClose.Normal;
    private string closeReason = "bye";

    public SocketTransport(WebSocket socket, SocketServices services)
    {
        this.socket = socket;
        this.services = services;
        outbound = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(services.Options.OutboundQueueFrames)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
    }

    /// <summary>Whose socket this is, for the log (set once the hello names the user).</summary>
    public Guid Owner { get; set; }

    /// <summary>Cancelled when the socket is being torn down from this side.</summary>
    public CancellationToken Lifetime => lifetime.Token;

    public WebSocketCloseStatus CloseStatus => closeStatus;

    public string CloseReason => closeReason;

    public Task RunWriterAsync(CancellationToken cancellationToken) => Task.Run(() => WriteLoopAsync(cancellationToken), CancellationToken.None);

    /// <summary>Queues a frame that may be dropped when the queue is full (typing, presence, refusals before closing).</summary>
    public bool TryQueue(byte[] frame) => outbound.Writer.TryWrite(frame);

    /// <summary>Queues a frame that must not be lost; a queue that stays full closes the socket as a slow consumer.</summary>
    public async Task EnqueueAsync(byte[] frame, CancellationToken cancellationToken)
    {
        if (outbound.Writer.TryWrite(frame))
        {
            return;
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(services.Options.SlowConsumerSeconds));
        try
        {
            await outbound.Writer.WriteAsync(frame, wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            RealtimeLog.SlowConsumer(services.Logger, Owner);
            await CloseAsync(SocketClose.SlowConsumer, "slow consumer", announceReconnect: false);
            throw new OperationCanceledException("slow consumer", cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new OperationCanceledException("closing", cancellationToken);
        }
    }

    /// <summary>
    /// Closes the socket: queued frames are sent first (unless the client is too slow to take them), then the
    /// close frame. Safe to call more than once and from any thread.
    /// </summary>
    public Task CloseAsync(WebSocketCloseStatus status, string reason, bool announceReconnect)
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
            outbound.Writer.TryWrite(Frames.Reconnect(reason));
        }
        else if (status == SocketClose.SessionRevoked)
        {
            outbound.Writer.TryWrite(Frames.Error(ErrorCodes.SessionRevoked, "This session has ended; log in again."));
        }

        outbound.Writer.TryComplete();
        return writerDone.Task;
    }

    /// <summary>Ends the socket after a close: lets the writer finish (bounded), waits for the client's close frame, stops everything.</summary>
    public async Task TearDownAsync(Task writer)
    {
        await CloseAsync(closeStatus, closeReason, announceReconnect: false);
        await Task.WhenAny(writer, Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None));
        await AwaitClientCloseAsync();
        await lifetime.CancelAsync();
        await writer.ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>
    /// One whole client frame, or null when the socket is closing; a binary frame comes back empty. The buffer starts
    /// small and grows up to the frame limit only for a large frame, so an idle socket holds a few KiB, not the limit.
    /// </summary>
    public async Task<byte[]?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var limit = services.Options.MaxFrameBytes;
        if (receiveBuffer.Length > SmallBuffer * 4)
        {
            receiveBuffer = new byte[SmallBuffer];
        }

        var count = 0;
        while (true)
        {
            if (count == receiveBuffer.Length)
            {
                if (receiveBuffer.Length >= limit)
                {
                    await CloseAsync(SocketClose.TooBig, $"frames are limited to {limit} bytes", announceReconnect: false);
                    return null;
                }

                Array.Resize(ref receiveBuffer, Math.Min(receiveBuffer.Length * 2, limit));
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

                services.Hub.Metrics.FrameReceived();
                return buffer[..count];
            }
        }
    }

    public void Dispose() => lifetime.Dispose();

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
                services.Hub.Metrics.FrameSent();
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
}
