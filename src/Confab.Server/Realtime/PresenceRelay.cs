using Confab.Chat.Realtime;
using Microsoft.Extensions.Logging;

namespace Confab.Server.Realtime;

/// <summary>
/// Typing and presence, the ephemeral signals: published to every node, delivered to this node's sockets that may see
/// them (never across a block, either way), and presence kept per node on the <see cref="PresenceBoard"/> with a
/// heartbeat so other nodes can expire a dead node's users.
/// </summary>
internal sealed class PresenceRelay(
    ConnectionRegistry connections, EventStreams streams, Func<Signal, Task> publish, string nodeId, RealtimeOptions options, TimeProvider clock, ILogger logger, CancellationToken stopping)
{
    private readonly PresenceBoard board = new(options, clock);

    /// <summary>What the nodes know of a user's presence right now.</summary>
    public string Of(Guid userId) => board.Effective(userId);

    public void UserSocketChanged(Guid userId, bool connected)
    {
        if (!connected)
        {
            board.LocalDisconnected(userId);
        }
        else if (board.LocalConnected(userId) is { } changed)
        {
            _ = AnnounceAsync(userId, changed);
        }
    }

    /// <summary>Marks activity for away detection.</summary>
    public void Touch(SocketConnection connection)
    {
        if (board.LocalActive(connection.UserId) is { } changed)
        {
            _ = AnnounceAsync(connection.UserId, changed);
        }
    }

    public Task PublishTypingAsync(Guid conversationId, Guid userId, bool typing) => publish(new Signal.Typing(nodeId, conversationId, userId, typing));

    public void DeliverTyping(Guid conversationId, Guid userId, bool typing)
    {
        byte[]? frame = null;
        foreach (var connection in connections.Following(conversationId))
        {
            if (connection.UserId != userId && !connection.Shuns(userId))
            {
                frame ??= Frames.Typing(conversationId, userId, typing, options.TypingSeconds);
                connection.SendEphemeral(frame);
            }
        }
    }

    /// <summary>Another node's view of a user changed.</summary>
    public void Remote(string node, Guid userId, string state)
    {
        if (board.Remote(node, userId, state) is { } change)
        {
            _ = DeliverAsync(userId, change, store: false);
        }
    }

    /// <summary>Idle sockets turn away, offline follows the grace period, and this node re-announces who is here.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        var beat = 0;
        while (await RealtimeHub.WaitAsync(timer, cancellationToken))
        {
            foreach (var (userId, change) in board.Tick())
            {
                await AnnounceAsync(userId, change);
            }

            if (++beat % PresenceBoard.HeartbeatSeconds == 0)
            {
                foreach (var (state, users) in board.LocalStates())
                {
                    foreach (var chunk in users.Chunk(Signal.HeartbeatChunk))
                    {
                        await publish(new Signal.Heartbeat(nodeId, state, chunk));
                    }
                }
            }
        }
    }

    /// <summary>A local change of a user's presence: tell the other nodes, store it, deliver it here.</summary>
    private async Task AnnounceAsync(Guid userId, PresenceChange change)
    {
        await publish(new Signal.Presence(nodeId, userId, change.Local));
        if (change.Effective is not null)
        {
            await DeliverAsync(userId, change, store: true);
        }
    }

    /// <summary>
    /// Tells this node's sockets of the user's audience. The node whose own sockets (or whose view of a dead node)
    /// changed the state stores it; nodes that only heard of it do not write it again.
    /// </summary>
    private async Task DeliverAsync(Guid userId, PresenceChange change, bool store)
    {
        if (change.Effective is not { } state)
        {
            return;
        }

        try
        {
            if (store)
            {
                await streams.RecordPresenceAsync(userId, state, stopping);
            }

            if (!connections.HasUsers)
            {
                return;
            }

            var audience = await streams.AudienceAsync(userId, stopping);
            var frame = Frames.Presence(userId, state, clock.GetUtcNow());
            foreach (var user in audience.Append(userId))
            {
                foreach (var connection in connections.OfUser(user))
                {
                    if (!connection.Shuns(userId))
                    {
                        connection.SendEphemeral(frame);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RealtimeLog.PresenceFailed(logger, ex, userId);
        }
    }
}
