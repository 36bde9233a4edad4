using Microsoft.Extensions.Logging;

namespace Confab.Server;

internal static partial class ServerLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Serving {Database} on {Urls}")]
    public static partial void Serving(ILogger logger, string database, string urls);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Applied {Count} migration(s); the database is at version {Version}")]
    public static partial void Migrated(ILogger logger, int count, long version);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    public static partial void Unhandled(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "The database was unavailable for {Method} {Path}; answered 503")]
    public static partial void StorageUnavailable(ILogger logger, Exception exception, string method, string path);
}
