using Npgsql;

namespace Confab.Storage.Engines;

/// <summary>
/// Committed changes as the database announces them (payload formats in migration 0002), plus ephemeral
/// signals a node publishes itself (typing, presence). PostgreSQL carries both between nodes with
/// LISTEN/NOTIFY; SQLite, single-node, raises them in-process after each commit.
/// </summary>
public abstract class ChangeSignals : IAsyncDisposable
{
    public const string Channel = "confab";

    /// <summary>A payload arrived. Runs on the feed's thread: handlers must be quick and must not throw.</summary>
    public event Action<string>? Received;

    /// <summary>Signals may have been missed (the listening connection was lost and is back): readers catch up from the database.</summary>
    public event Action? Gap;

    /// <summary>The listening connection failed; it is retried after the delay given.</summary>
    public event Action<Exception, TimeSpan>? Faulted;

    public static ChangeSignals For(ConfabDatabase database) => database switch
    {
        PostgresDatabase postgres => new PostgresChangeSignals(postgres),
        SqliteDatabase sqlite => new SqliteChangeSignals(sqlite),
        _ => throw new ArgumentOutOfRangeException(nameof(database)),
    };

    /// <summary>Starts listening; returns once signals flow (PostgreSQL: the first LISTEN succeeded).</summary>
    public abstract Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Sends an ephemeral payload to every node, this one included.</summary>
    public abstract Task PublishAsync(string payload, CancellationToken cancellationToken);

    public abstract ValueTask DisposeAsync();

    protected void Raise(string payload) => Received?.Invoke(payload);

    protected void RaiseGap() => Gap?.Invoke();

    protected void RaiseFaulted(Exception error, TimeSpan retryIn) => Faulted?.Invoke(error, retryIn);
}

internal sealed class SqliteChangeSignals(SqliteDatabase database) : ChangeSignals
{
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        database.EnableSignals(payloads =>
        {
            foreach (var payload in payloads)
            {
                Raise(payload);
            }
        });
        return Task.CompletedTask;
    }

    public override Task PublishAsync(string payload, CancellationToken cancellationToken)
    {
        Raise(payload);
        return Task.CompletedTask;
    }

    public override ValueTask DisposeAsync()
    {
        database.EnableSignals(null);
        return ValueTask.CompletedTask;
    }
}

/// <summary>
/// One dedicated connection LISTENs; when it is lost it reconnects with back-off and reports a gap, so every
/// reader re-reads from its cursor. An idle connection is probed so a silently dead one is noticed.
/// </summary>
internal sealed class PostgresChangeSignals(PostgresDatabase database) : ChangeSignals
{
    private static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? loop;
    private int disposed;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        loop = Task.Run(() => ListenLoopAsync(stopping.Token), CancellationToken.None);
        await listening.Task.WaitAsync(cancellationToken);
    }

    public override async Task PublishAsync(string payload, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT pg_notify(@channel, @payload)");
        command.Parameters.AddWithValue("channel", Channel);
        command.Parameters.AddWithValue("payload", payload);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        await stopping.CancelAsync();
        if (loop is not null)
        {
            try
            {
                await loop;
            }
            catch (OperationCanceledException)
            {
                // Stopped.
            }
        }

        stopping.Dispose();
    }

    private async Task ListenLoopAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        var first = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await database.OpenDedicatedConnectionAsync(cancellationToken, "confab-listen");
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(cancellationToken);
                }

                delay = TimeSpan.FromMilliseconds(100);
                if (!first)
                {
                    RaiseGap();
                }

                first = false;
                listening.TrySetResult();
                while (true)
                {
                    if (!await connection.WaitAsync(ProbeInterval, cancellationToken))
                    {
                        await using var probe = new NpgsqlCommand("SELECT 1", connection);
                        await probe.ExecuteScalarAsync(cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or DatabaseUnavailableException or IOException or TimeoutException or InvalidOperationException)
            {
                RaiseFaulted(ex, delay);
                try
                {
                    await Task.Delay(delay, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e) => Raise(e.Payload);
}
