using System.Net.WebSockets;
using Confab.Chat.Realtime;
using Confab.Server.Errors;

namespace Confab.Server.Realtime;

/// <summary>
/// One client socket: the hello, then a reader loop (client frames to <see cref="SocketCommands"/>), the
/// <see cref="StreamPump"/> (reads the event logs on from this socket's cursors and queues frames) and the
/// <see cref="SocketTransport"/>'s writer loop (drains the bounded queue).
/// </summary>
public sealed class SocketConnection
{
    private readonly SocketServices services;
    private readonly SocketTransport transport;
    private readonly StreamPump pump;
    private readonly SocketCommands commands;
    private readonly BlockList blocks;
    private int badFrames;
    private bool ready;

    internal SocketConnection(WebSocket socket, SocketServices services)
    {
        this.services = services;
        transport = new SocketTransport(socket, services);
        pump = new StreamPump(this, transport, services);
        commands = new SocketCommands(this, transport, pump, services);
        blocks = new BlockList(this, services);
    }

    public Guid UserId { get; private set; }

    public Guid SessionId { get; private set; }

    internal IReadOnlyList<Guid> Following => pump.Following;

    internal void Wake(Guid conversationId) => pump.Wake(conversationId);

    internal void WakeUser() => pump.WakeUser();

    internal void WakeAll() => pump.WakeAll();

    /// <summary>True when typing or presence of this user must not reach this socket: a block between the two, either way.</summary>
    internal bool Shuns(Guid userId) => blocks.Contains(userId);

    /// <summary>Typing and presence: dropped, not waited for, when the queue is full (they carry no history).</summary>
    internal void SendEphemeral(byte[] frame)
    {
        if (Volatile.Read(ref ready))
        {
            transport.TryQueue(frame);
        }
    }

    internal Task CloseAsync(WebSocketCloseStatus status, string reason, bool announceReconnect) => transport.CloseAsync(status, reason, announceReconnect);

    /// <summary>A user event went by: contact changes may change who is blocked.</summary>
    internal void UserEventSeen(UserEvent e)
    {
        if (e.Kind.StartsWith("contact.", StringComparison.Ordinal))
        {
            blocks.Invalidate();
        }
    }

    /// <summary>Runs the socket until either side closes it.</summary>
    internal async Task RunAsync(CancellationToken aborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, transport.Lifetime);
        var writer = transport.RunWriterAsync(linked.Token);
        var registered = false;
        try
        {
            var hello = await ReceiveHelloAsync(linked.Token);
            if (hello is null)
            {
                return;
            }

            if (!services.Hub.Connections.Register(this))
            {
                await RefuseAsync(ErrorCodes.TooManySockets, $"At most {services.Options.MaxSocketsPerUser} sockets per user; close one first.", SocketClose.TooManySockets);
                return;
            }

            registered = true;
            await blocks.RefreshAsync(linked.Token);
            await pump.StartAsync(hello, linked.Token);
            Volatile.Write(ref ready, true);
            var pumping = Task.Run(() => pump.RunAsync(linked.Token), CancellationToken.None);
            await ReadLoopAsync(linked.Token);
            await transport.CloseAsync(transport.CloseStatus, transport.CloseReason, announceReconnect: false);
            await Task.WhenAny(pumping, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None));
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
        catch (Exception ex) when (StorageFailure.Is(ex))
        {
            // The hello or the first positions could not be read: the client reconnects and resumes.
            RealtimeLog.PumpFailed(services.Logger, ex, UserId);
            await transport.CloseAsync(SocketClose.ServiceRestart, "database unavailable", announceReconnect: true);
        }
        finally
        {
            if (registered)
            {
                services.Hub.Connections.Unregister(this);
                await commands.StopTypingAsync();
            }

            await transport.TearDownAsync(writer);
            transport.Dispose();
        }
    }

    private async Task<HelloFrame?> ReceiveHelloAsync(CancellationToken cancellationToken)
    {
        var options = services.Options;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.HelloTimeoutSeconds));
        byte[]? frame;
        try
        {
            frame = await transport.ReceiveAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await RefuseAsync(ErrorCodes.HelloTimeout, $"Send a hello frame within {options.HelloTimeoutSeconds} seconds.");
            return null;
        }

        if (frame is null)
        {
            return null;
        }

        try
        {
            if (ClientFrames.Parse(frame, options.MaxResumeCursors) is not HelloFrame hello)
            {
                await RefuseAsync(ErrorCodes.HelloRequired, "The first frame must be a hello with an access token.");
                return null;
            }

            var session = hello.Token is null ? null : await services.Sessions.AuthenticateAsync(hello.Token, cancellationToken);
            if (session is null)
            {
                await RefuseAsync(ErrorCodes.Unauthenticated, "The access token is unknown, expired or revoked.");
                return null;
            }

            UserId = session.UserId;
            SessionId = session.SessionId;
            transport.Owner = UserId;
            return hello;
        }
        catch (BadFrameException ex) when (ex.Code is ErrorCodes.UnknownType)
        {
            await RefuseAsync(ErrorCodes.HelloRequired, "The first frame must be a hello with an access token.");
            return null;
        }
        catch (BadFrameException ex) when (ex.Code is ErrorCodes.TooManyCursors or ErrorCodes.InvalidText)
        {
            await RefuseAsync(ex.Code, ex.Message);
            return null;
        }
        catch (Exception ex) when (ex is BadFrameException or ArgumentException)
        {
            await RefuseAsync(ErrorCodes.HelloRequired, "The first frame must be a JSON hello: " + ex.Message);
            return null;
        }
    }

    private async Task RefuseAsync(string code, string message, WebSocketCloseStatus status = SocketClose.Unauthenticated)
    {
        transport.TryQueue(Frames.Error(code, message));
        await transport.CloseAsync(status, code, announceReconnect: false);
    }

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var frame = await transport.ReceiveAsync(cancellationToken);
            if (frame is null)
            {
                return;
            }

            try
            {
                var parsed = ClientFrames.Parse(frame, services.Options.MaxResumeCursors);
                if (parsed is not PingFrame)
                {
                    services.Hub.Presence.Touch(this);
                }

                await commands.HandleAsync(parsed, cancellationToken);
            }
            catch (BadFrameException ex)
            {
                await transport.EnqueueAsync(Frames.Error(ex.Code, ex.Message, ex.ClientMsgId, ex.ConversationId), cancellationToken);
                if (ex.Counts && ++badFrames > services.Options.MaxBadFrames)
                {
                    await transport.CloseAsync(SocketClose.Abuse, "too many bad frames", announceReconnect: false);
                    return;
                }
            }
        }
    }
}
