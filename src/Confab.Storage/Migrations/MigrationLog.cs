using Microsoft.Extensions.Logging;

namespace Confab.Storage.Migrations;

internal static partial class MigrationLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Applied migration {Migration} in {ElapsedMs} ms")]
    public static partial void Applied(ILogger logger, string migration, long elapsedMs);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "Rolled back migration {Migration} in {ElapsedMs} ms")]
    public static partial void RolledBack(ILogger logger, string migration, long elapsedMs);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "Migration {Migration} was applied by another runner")]
    public static partial void AppliedElsewhere(ILogger logger, string migration);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Error, Message = "Migration {Migration} failed at {File}:{Line}")]
    public static partial void Failed(ILogger logger, Exception exception, string migration, string file, int line);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Re-recorded the checksum of migration {Migration}")]
    public static partial void Repaired(ILogger logger, string migration);
}
