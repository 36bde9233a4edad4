using System.Collections.Concurrent;
using Confab.Chat.Realtime;
using Confab.Storage.Engines;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confab.Server.Realtime;

/// <summary>
/// This node's sockets and the signals that wake them. A committed change arrives as a small signal (its
/// conversation and seq); the hub only tells the sockets following that conversation to read on from their
/// cursors, so replay and live delivery are the same read and nothing depends on the signal's contents.
/// Typing and presence are ephemeral signals that carry everything they mean.
/// </summary>
public sealed partial class RealtimeHub : IHostedService, IAsyncDisposable
{
    private readonly ChangeSignals signals;
    private readonly EventStreams streams;
    private readonly EventCache cache;
    private readonly RealtimeOptions options;
    private readonly ILogger<RealtimeHub> logger;
    private readonly TimeProvider clock;
    private readonly ConcurrentDictionary<SocketConnection, byte> connections = new();
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<SocketConnection, byte>> byConversation = new();
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<SocketConnection, byte>> byUser = new();
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<SocketConnection, byte>> bySession = new();
    private readonly CancellationTokenSource stopping = new();
    private readonly PresenceBoard presence;
    private Task? sessionSweep;
    private Task? presenceLoop;
    private volatile bool started;

    internal Monitoring.ConfabMetrics Metrics { get; }

    public RealtimeHub(
        ConfabDatabase database, EventStreams streams, EventCache cache, IOptions<RealtimeOptions> options, ILogger<RealtimeHub> logger, TimeProvider clock,
        IHostApplicationLifetime lifetime, Monitoring.ConfabMetrics metrics)
    {
        this.cache = cache;
        ArgumentNullException.ThrowIfNull(metrics);
        Metrics = metrics;
        metrics.ObserveConnections(() => connections.Count);
        ArgumentNullException.ThrowIfNull(lifetime);

        // Sockets are long requests: the server would wait for them before stopping hosted services, so they are
        // told to reconnect as soon as stopping begins.
        lifetime.ApplicationStopping.Register(() => _ = ShutdownSocketsAsync());
        ArgumentNullException.ThrowIfNull(options);
        signals = ChangeSignals.For(database);
        this.streams = streams;
        this.options = options.Value;
        this.logger = logger;
        this.clock = clock;
        presence = new PresenceBoard(this.options, clock);
        signals.Received += OnSignal;
        signals.Gap += OnGap;
        signals.Faulted += (error, retry) => RealtimeLog.ListenFailed(logger, error, retry.TotalMilliseconds);
    }

    /// <summary>This process's name in presence signals.</summary>
    public string NodeId { get; } = Guid.NewGuid().ToString("N")[..12];

    public RealtimeOptions Options => options;

    public int ConnectionCount => connections.Count;

    public bool IsStopping => stopping.IsCancellationRequested;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await signals.StartAsync(cancellationToken);
        sessionSweep = Task.Run(() => SweepSessionsAsync(stopping.Token), CancellationToken.None);
        presenceLoop = Task.Run(() => PresenceLoopAsync(stopping.Token), CancellationToken.None);
        started = true;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!started)
        {
            return;
        }

        await ShutdownSocketsAsync();
        foreach (var task in new[] { sessionSweep, presenceLoop })
        {
            if (task is not null)
            {
                await task.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        await signals.DisposeAsync();
    }

    /// <summary>Tells every socket to reconnect (elsewhere, or here after a restart) and waits, bounded, for them to close.</summary>
    private async Task ShutdownSocketsAsync()
    {
        if (!stopping.IsCancellationRequested)
        {
            await stopping.CancelAsync();
        }

        var closing = connections.Keys.Select(c => c.CloseAsync(SocketClose.ServiceRestart, "server shutting down", announceReconnect: true)).ToList();
        await Task.WhenAll(closing).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        stopping.Dispose();
        await signals.DisposeAsync();
    }

    internal void Register(SocketConnection connection)
    {
        connections.TryAdd(connection, 0);
        Add(byUser, connection.UserId, connection);
        Add(bySession, connection.SessionId, connection);
        if (presence.LocalConnected(connection.UserId) is { } changed)
        {
            _ = AnnounceAsync(connection.UserId, changed);
        }
    }

    internal void Unregister(SocketConnection connection)
    {
        if (!connections.TryRemove(connection, out _))
        {
            return;
        }

        Remove(byUser, connection.UserId, connection);
        Remove(bySession, connection.SessionId, connection);
        foreach (var conversation in connection.Following)
        {
            Remove(byConversation, conversation, connection);
        }

        presence.LocalDisconnected(connection.UserId);
    }

    internal void Follow(SocketConnection connection, Guid conversationId) => Add(byConversation, conversationId, connection);

    internal void Unfollow(SocketConnection connection, Guid conversationId) => Remove(byConversation, conversationId, connection);

    /// <summary>Marks activity for away detection.</summary>
    internal void Touch(SocketConnection connection)
    {
        if (presence.LocalActive(connection.UserId) is { } changed)
        {
            _ = AnnounceAsync(connection.UserId, changed);
        }
    }

    internal Task PublishTypingAsync(Guid conversationId, Guid userId, bool typing) =>
        PublishAsync(new Signal.Typing(NodeId, conversationId, userId, typing));

    /// <summary>What the nodes know of a user's presence right now.</summary>
    public string PresenceOf(Guid userId) => presence.Effective(userId);

    private async Task PublishAsync(Signal signal)
    {
        try
        {
            await signals.PublishAsync(Signal.Encode(signal), stopping.Token);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RealtimeLog.PublishFailed(logger, ex);
        }
    }

    private void OnSignal(string payload)
    {
        try
        {
            Dispatch(payload);
        }
#pragma warning disable CA1031 // a bad signal must not stop the listener
        catch (Exception ex)
#pragma warning restore CA1031
        {
            RealtimeLog.BadSignal(logger, ex, payload);
        }
    }

    private void Dispatch(string payload)
    {
        switch (Signal.Decode(payload))
        {
            case Signal.ConversationChanged(var conversation, var seq):
                cache.Note(conversation, seq);
                if (byConversation.TryGetValue(conversation, out var followers))
                {
                    foreach (var connection in followers.Keys)
                    {
                        connection.Wake(conversation);
                    }
                }

                break;
            case Signal.UserChanged(var user, _):
                if (byUser.TryGetValue(user, out var sockets))
                {
                    foreach (var connection in sockets.Keys)
                    {
                        connection.WakeUser();
                    }
                }

                break;
            case Signal.SessionRevoked(_, var family):
                if (bySession.TryGetValue(family, out var sessionSockets))
                {
                    foreach (var connection in sessionSockets.Keys)
                    {
                        _ = connection.CloseAsync(SocketClose.SessionRevoked, "session revoked", announceReconnect: false);
                    }
                }

                break;
            case Signal.Typing typing:
                DeliverTyping(typing.ConversationId, typing.UserId, typing.Started);
                break;
            case Signal.Presence remote when remote.Node != NodeId:
                if (presence.Remote(remote.Node, remote.UserId, remote.State) is { } remoteChange)
                {
                    _ = DeliverPresenceAsync(remote.UserId, remoteChange, store: false);
                }

                break;
            case Signal.Heartbeat beat when beat.Node != NodeId:
                foreach (var id in beat.Users)
                {
                    if (presence.Remote(beat.Node, id, beat.State) is { } refreshed)
                    {
                        _ = DeliverPresenceAsync(id, refreshed, store: false);
                    }
                }

                break;
            default:
                // Another version's signal, or one for other nodes only: nothing to do here.
                break;
        }
    }

    private void OnGap()
    {
        RealtimeLog.CatchingUp(logger, connections.Count);
        cache.Clear();
        foreach (var connection in connections.Keys)
        {
            connection.WakeAll();
        }

        _ = CheckSessionsAsync(stopping.Token);
    }

    private void DeliverTyping(Guid conversationId, Guid userId, bool typing)
    {
        if (!byConversation.TryGetValue(conversationId, out var followers))
        {
            return;
        }

        var frame = Frames.Write(w =>
        {
            w.WriteString("type", "typing");
            w.WriteString("conversationId", conversationId);
            w.WriteString("userId", userId);
            w.WriteString("state", typing ? "start" : "stop");
            w.WriteNumber("ttlMs", typing ? options.TypingSeconds * 1000 : 0);
        });
        foreach (var connection in followers.Keys.Where(c => c.UserId != userId))
        {
            connection.SendEphemeral(frame);
        }
    }

    /// <summary>A local change of a user's presence: tell the other nodes, store it, deliver it here.</summary>
    private async Task AnnounceAsync(Guid userId, PresenceChange change)
    {
        await PublishAsync(new Signal.Presence(NodeId, userId, change.Local));
        if (change.Effective is not null)
        {
            await DeliverPresenceAsync(userId, change, store: true);
        }
    }

    /// <summary>
    /// Tells this node's sockets of the user's audience. The node whose own sockets (or whose view of a dead node)
    /// changed the state stores it; nodes that only heard of it do not write it again.
    /// </summary>
    private async Task DeliverPresenceAsync(Guid userId, PresenceChange change, bool store)
    {
        if (change.Effective is not { } state)
        {
            return;
        }

        try
        {
            if (store)
            {
                await streams.RecordPresenceAsync(userId, state, stopping.Token);
            }

            if (byUser.IsEmpty)
            {
                return;
            }

            var audience = await streams.AudienceAsync(userId, stopping.Token);
            var frame = Frames.Write(w =>
            {
                w.WriteString("type", "presence");
                w.WriteString("userId", userId);
                w.WriteString("state", state);
                w.WriteString("at", clock.GetUtcNow().UtcDateTime);
            });
            foreach (var user in audience.Append(userId))
            {
                if (byUser.TryGetValue(user, out var sockets))
                {
                    foreach (var connection in sockets.Keys)
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

    /// <summary>Idle sockets turn away, offline follows the grace period, and this node re-announces who is here so others can expire a dead node's users.</summary>
    private async Task PresenceLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        var beat = 0;
        while (await WaitAsync(timer, cancellationToken))
        {
            foreach (var (userId, change) in presence.Tick())
            {
                await AnnounceAsync(userId, change);
            }

            if (++beat % PresenceBoard.HeartbeatSeconds == 0)
            {
                foreach (var (state, users) in presence.LocalStates())
                {
                    foreach (var chunk in users.Chunk(Signal.HeartbeatChunk))
                    {
                        await PublishAsync(new Signal.Heartbeat(NodeId, state, chunk));
                    }
                }
            }
        }
    }

    private async Task SweepSessionsAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.SessionCheckSeconds), clock);
        while (await WaitAsync(timer, cancellationToken))
        {
            await CheckSessionsAsync(cancellationToken);
        }
    }

    /// <summary>Closes sockets whose session died without a signal reaching this node (expiry, a signal lost while reconnecting).</summary>
    private async Task CheckSessionsAsync(CancellationToken cancellationToken)
    {
        try
        {
            var families = bySession.Keys.ToList();
            var live = await streams.LiveSessionsAsync(families, cancellationToken);
            foreach (var family in families.Where(f => !live.Contains(f)))
            {
                if (bySession.TryGetValue(family, out var sockets))
                {
                    foreach (var connection in sockets.Keys)
                    {
                        _ = connection.CloseAsync(SocketClose.SessionRevoked, "session ended", announceReconnect: false);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RealtimeLog.SessionCheckFailed(logger, ex);
        }
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    // Adding and removing under one lock: otherwise a set emptied and dropped by one thread could take
    // another thread's new follower with it.
    private static void Add(ConcurrentDictionary<Guid, ConcurrentDictionary<SocketConnection, byte>> index, Guid key, SocketConnection connection)
    {
        lock (index)
        {
            index.GetOrAdd(key, _ => new ConcurrentDictionary<SocketConnection, byte>()).TryAdd(connection, 0);
        }
    }

    private static void Remove(ConcurrentDictionary<Guid, ConcurrentDictionary<SocketConnection, byte>> index, Guid key, SocketConnection connection)
    {
        lock (index)
        {
            if (index.TryGetValue(key, out var set) && set.TryRemove(connection, out _) && set.IsEmpty)
            {
                index.TryRemove(key, out _);
            }
        }
    }
}
