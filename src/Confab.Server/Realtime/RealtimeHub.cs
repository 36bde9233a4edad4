using Confab.Chat.Realtime;
using Confab.Storage.Engines;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Confab.Server.Realtime;

/// <summary>
/// This node's gateway: the signals that wake its sockets, routed to the <see cref="ConnectionRegistry"/>, the
/// <see cref="PresenceRelay"/> and the <see cref="SessionSweep"/>. A committed change arrives as a small signal (its
/// conversation and seq); the hub only tells the sockets following that conversation to read on from their cursors,
/// so replay and live delivery are the same read and nothing depends on the signal's contents.
/// </summary>
public sealed class RealtimeHub : IHostedService, IAsyncDisposable
{
    private readonly ChangeSignals signals;
    private readonly EventCache cache;
    private readonly ILogger<RealtimeHub> logger;
    private readonly CancellationTokenSource stopping = new();
    private readonly SessionSweep sweep;
    private Task? sessionSweep;
    private Task? presenceLoop;
    private volatile bool started;

    public RealtimeHub(
        ConfabDatabase database, EventStreams streams, EventCache cache, IOptions<RealtimeOptions> options, ILogger<RealtimeHub> logger, TimeProvider clock,
        IHostApplicationLifetime lifetime, Monitoring.ConfabMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(lifetime);
        ArgumentNullException.ThrowIfNull(options);
        this.cache = cache;
        this.logger = logger;
        Options = options.Value;
        Metrics = metrics;
        Connections = new ConnectionRegistry(Options);
        metrics.ObserveConnections(() => Connections.Count);
        Presence = new PresenceRelay(Connections, streams, PublishAsync, NodeId, Options, clock, logger, stopping.Token);
        Connections.UserSocketChanged += Presence.UserSocketChanged;
        sweep = new SessionSweep(Connections, streams, Options, clock, logger);

        // Sockets are long requests: the server would wait for them before stopping hosted services, so they are
        // told to reconnect as soon as stopping begins.
        lifetime.ApplicationStopping.Register(() => _ = ShutdownSocketsAsync());
        signals = ChangeSignals.For(database);
        signals.Received += OnSignal;
        signals.Gap += OnGap;
        signals.Faulted += (error, retry) => RealtimeLog.ListenFailed(logger, error, retry.TotalMilliseconds);
    }

    /// <summary>This process's name in presence signals.</summary>
    public string NodeId { get; } = Guid.NewGuid().ToString("N")[..12];

    public RealtimeOptions Options { get; }

    public ConnectionRegistry Connections { get; }

    public int ConnectionCount => Connections.Count;

    public bool IsStopping => stopping.IsCancellationRequested;

    internal Monitoring.ConfabMetrics Metrics { get; }

    internal PresenceRelay Presence { get; }

    /// <summary>What the nodes know of a user's presence right now.</summary>
    public string PresenceOf(Guid userId) => Presence.Of(userId);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await signals.StartAsync(cancellationToken);
        sessionSweep = Task.Run(() => sweep.RunAsync(stopping.Token), CancellationToken.None);
        presenceLoop = Task.Run(() => Presence.RunAsync(stopping.Token), CancellationToken.None);
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

    public async ValueTask DisposeAsync()
    {
        stopping.Dispose();
        await signals.DisposeAsync();
    }

    internal static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
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

    /// <summary>Tells every socket to reconnect (elsewhere, or here after a restart) and waits, bounded, for them to close.</summary>
    private async Task ShutdownSocketsAsync()
    {
        if (!stopping.IsCancellationRequested)
        {
            await stopping.CancelAsync();
        }

        var closing = Connections.All.Select(c => c.CloseAsync(SocketClose.ServiceRestart, "server shutting down", announceReconnect: true)).ToList();
        await Task.WhenAll(closing).WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None).ContinueWith(_ => { }, TaskScheduler.Default);
    }

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
                foreach (var connection in Connections.Following(conversation))
                {
                    connection.Wake(conversation);
                }

                break;
            case Signal.UserChanged(var user, _):
                foreach (var connection in Connections.OfUser(user))
                {
                    connection.WakeUser();
                }

                break;
            case Signal.SessionRevoked(_, var family):
                foreach (var connection in Connections.OfSession(family))
                {
                    _ = connection.CloseAsync(SocketClose.SessionRevoked, "session revoked", announceReconnect: false);
                }

                break;
            case Signal.Typing typing:
                Presence.DeliverTyping(typing.ConversationId, typing.UserId, typing.Started);
                break;
            case Signal.Presence remote when remote.Node != NodeId:
                Presence.Remote(remote.Node, remote.UserId, remote.State);
                break;
            case Signal.Heartbeat beat when beat.Node != NodeId:
                foreach (var id in beat.Users)
                {
                    Presence.Remote(beat.Node, id, beat.State);
                }

                break;
            default:
                // Another version's signal, or one for other nodes only: nothing to do here.
                break;
        }
    }

    private void OnGap()
    {
        RealtimeLog.CatchingUp(logger, Connections.Count);
        cache.Clear();
        foreach (var connection in Connections.All)
        {
            connection.WakeAll();
        }

        _ = sweep.CheckAsync(stopping.Token);
    }
}
