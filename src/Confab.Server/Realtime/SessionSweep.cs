using Confab.Chat.Realtime;
using Microsoft.Extensions.Logging;

namespace Confab.Server.Realtime;

/// <summary>Closes sockets whose session died without a signal reaching this node (expiry, a signal lost while reconnecting).</summary>
internal sealed class SessionSweep(ConnectionRegistry connections, EventStreams streams, RealtimeOptions options, TimeProvider clock, ILogger logger)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.SessionCheckSeconds), clock);
        while (await RealtimeHub.WaitAsync(timer, cancellationToken))
        {
            await CheckAsync(cancellationToken);
        }
    }

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            var families = connections.SessionFamilies;
            var live = await streams.LiveSessionsAsync(families, cancellationToken);
            foreach (var family in families.Where(f => !live.Contains(f)))
            {
                foreach (var connection in connections.OfSession(family))
                {
                    _ = connection.CloseAsync(SocketClose.SessionRevoked, "session ended", announceReconnect: false);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            RealtimeLog.SessionCheckFailed(logger, ex);
        }
    }
}
