using Confab.Server.Errors;

namespace Confab.Server.Realtime;

/// <summary>
/// Whom a socket's user has a block with (either way), cached: typing and presence are filtered against it on every
/// delivery, so the check is a set lookup. It is read at the hello, again after a contact event, and at most every
/// <see cref="MaxAge"/> otherwise (a block sends no event to the one blocked); the refresh runs in the background.
/// </summary>
internal sealed class BlockList(SocketConnection connection, SocketServices services)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private volatile IReadOnlySet<Guid> blocked = new HashSet<Guid>();
    private long readAt;
    private int refreshing;

    public bool Contains(Guid userId)
    {
        if (services.Clock.GetElapsedTime(Interlocked.Read(ref readAt)) > MaxAge)
        {
            _ = RefreshInBackgroundAsync();
        }

        return blocked.Contains(userId);
    }

    public void Invalidate() => Interlocked.Exchange(ref readAt, 0);

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var started = services.Clock.GetTimestamp();
        blocked = await services.Streams.BlockedWithAsync(connection.UserId, cancellationToken);
        Interlocked.Exchange(ref readAt, started);
    }

    private async Task RefreshInBackgroundAsync()
    {
        if (Interlocked.Exchange(ref refreshing, 1) == 1)
        {
            return;
        }

        try
        {
            await RefreshAsync(CancellationToken.None);
        }
        catch (Exception ex) when (StorageFailure.Is(ex))
        {
            // The old list stands until the database answers again.
        }
        finally
        {
            Volatile.Write(ref refreshing, 0);
        }
    }
}
