using System.Net.Sockets;
using Confab.Storage.Engines;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Confab.Storage;

/// <summary>
/// Translates driver errors once, at the storage boundary, by SQL state or SQLite result code — never by message text.
/// </summary>
public static class StorageErrors
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteConstraint = 19;
    private const int SqliteCantOpen = 14;
    private const int SqliteNotADb = 26;
    private const int SqliteAuth = 23;
    private const int SqliteConstraintPrimaryKey = 1555;
    private const int SqliteConstraintUnique = 2067;

    /// <summary>A unique or primary-key violation: the row exists already.</summary>
    public static bool IsUniqueViolation(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException lite => lite.SqliteExtendedErrorCode is SqliteConstraintUnique or SqliteConstraintPrimaryKey,
        _ => false,
    };

    /// <summary>Any integrity-constraint violation (CHECK, NOT NULL, FK, UNIQUE).</summary>
    public static bool IsConstraintViolation(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState.StartsWith("23", StringComparison.Ordinal),
        SqliteException lite => lite.SqliteErrorCode == SqliteConstraint,
        _ => false,
    };

    /// <summary>The same work may succeed when tried again: serialization failure, deadlock, busy or locked.</summary>
    public static bool IsRetryable(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState is PostgresErrorCodes.SerializationFailure or PostgresErrorCodes.DeadlockDetected,
        SqliteException lite => lite.SqliteErrorCode is SqliteBusy or SqliteLocked,
        _ => false,
    };

    /// <summary>The error means the database could not be reached or opened at all.</summary>
    public static bool IsConnectFailure(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState is PostgresErrorCodes.InvalidPassword
            or PostgresErrorCodes.InvalidAuthorizationSpecification
            or PostgresErrorCodes.InvalidCatalogName
            or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections,
        NpgsqlException npg => npg.InnerException is SocketException or TimeoutException or IOException || npg.IsTransient,
        SqliteException lite => lite.SqliteErrorCode is SqliteCantOpen or SqliteNotADb or SqliteAuth,
        SocketException or TimeoutException => true,
        _ => false,
    };

    /// <summary>The file or database does not exist, for verbs that do not create it.</summary>
    public static DatabaseUnavailableException Missing(DatabaseTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var reason = target.Engine == DatabaseEngine.Sqlite
            ? "the file does not exist (run `confab db migrate` to create it)"
            : $"database {target.DatabaseName} does not exist (run `confab db migrate` to create it)";
        return new DatabaseUnavailableException($"cannot open {target.Display}: {reason}");
    }

    /// <summary>A one-line, password-free account of why a database could not be opened.</summary>
    public static DatabaseUnavailableException Unavailable(Exception ex, DatabaseTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var reason = ex switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword } => "password authentication failed",
            PostgresException { SqlState: PostgresErrorCodes.InvalidAuthorizationSpecification } pg => $"not authorised: {pg.MessageText}",
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } => $"database {target.DatabaseName} does not exist",
            PostgresException pg => pg.MessageText,
            NpgsqlException { InnerException: SocketException socket } => $"cannot reach the server ({socket.SocketErrorCode})",
            NpgsqlException { InnerException: TimeoutException } or TimeoutException => "timed out connecting to the server",
            NpgsqlException npg => npg.Message,
            SqliteException { SqliteErrorCode: SqliteCantOpen } when target.SqlitePath is { } path && !File.Exists(path) =>
                "the file does not exist (run `confab db migrate` to create it)",
            SqliteException { SqliteErrorCode: SqliteCantOpen } => "the file cannot be opened (check its permissions)",
            SqliteException { SqliteErrorCode: SqliteNotADb } => "the file is not an SQLite database",
            SqliteException lite => lite.Message,
            _ => ex.Message,
        };
        return new DatabaseUnavailableException($"cannot open {target.Display}: {reason}", ex);
    }
}
