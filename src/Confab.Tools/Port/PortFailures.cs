using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Confab.Tools.Port;

/// <summary>Which failures a port waits out and retries, and how to say what happened in one line.</summary>
internal static class PortFailures
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;

    public static bool IsTransient(Exception ex) => ex switch
    {
        PostgresException pg => pg.SqlState is PostgresErrorCodes.DiskFull or PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.SerializationFailure
            or PostgresErrorCodes.DeadlockDetected || pg.SqlState.StartsWith("08", StringComparison.Ordinal),
        NpgsqlException npg => npg.IsTransient || npg.InnerException is IOException or SocketException or TimeoutException,
        SqliteException lite => lite.SqliteErrorCode is SqliteBusy or SqliteLocked or SqliteIoError or SqliteFull,
        Confab.Storage.DatabaseUnavailableException { InnerException: { } inner } => IsTransient(inner),
        IOException => true,
        _ => false,
    };

    public static string Describe(Exception ex) => ex switch
    {
        PostgresException { SqlState: PostgresErrorCodes.DiskFull } => "the target's disk is full",
        PostgresException pg => $"PostgreSQL error {pg.SqlState}: {pg.MessageText}",
        NpgsqlException npg => $"the connection to PostgreSQL was lost ({npg.InnerException?.Message ?? npg.Message})",
        SqliteException { SqliteErrorCode: SqliteFull } => "the SQLite file's disk is full",
        SqliteException lite => $"SQLite error {lite.SqliteErrorCode}: {lite.Message}",
        _ => ex.Message,
    };
}
