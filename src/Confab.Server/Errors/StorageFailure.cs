using Confab.Storage;

namespace Confab.Server.Errors;

/// <summary>
/// The one test of "the database could not do it right now": unreachable, busy or locked, a deadlock or a
/// serialization failure. REST answers 503 <c>unavailable</c> with Retry-After; the socket an <c>unavailable</c> error
/// frame. Never a 500, and never a client error: nothing about the request was wrong, and a retry may succeed.
/// </summary>
public static class StorageFailure
{
    /// <summary>Seconds a client is asked to wait before it retries.</summary>
    public const int RetryAfterSeconds = 1;

    public static bool Is(Exception exception) =>
        exception is DatabaseUnavailableException || StorageErrors.IsConnectFailure(exception) || StorageErrors.IsRetryable(exception)
        || IsServerGone(exception)
        || (exception.InnerException is { } inner && inner != exception && Is(inner));

    // A connection cut by the server (administrator shutdown, crash recovery, connection exceptions) or a server out of
    // resources: the next connection may well work.
    private static bool IsServerGone(Exception exception) =>
        exception is Npgsql.PostgresException pg
        && (pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("53", StringComparison.Ordinal));
}
