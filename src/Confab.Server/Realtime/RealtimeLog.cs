using Microsoft.Extensions.Logging;

namespace Confab.Server.Realtime;

internal static partial class RealtimeLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning, Message = "Lost the LISTEN connection; retrying in {DelayMs} ms")]
    public static partial void ListenFailed(ILogger logger, Exception exception, double delayMs);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Signals may have been missed; {Count} socket(s) read on from their cursors")]
    public static partial void CatchingUp(ILogger logger, int count);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Could not publish a signal")]
    public static partial void PublishFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Ignored a malformed signal '{Payload}'")]
    public static partial void BadSignal(ILogger logger, Exception exception, string payload);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Could not deliver presence of {UserId}")]
    public static partial void PresenceFailed(ILogger logger, Exception exception, Guid userId);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Could not check the sessions of open sockets")]
    public static partial void SessionCheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Closed a slow consumer's socket (user {UserId}); it resumes from its cursors")]
    public static partial void SlowConsumer(ILogger logger, Guid userId);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "A socket of user {UserId} stopped reading the database; asked it to reconnect")]
    public static partial void PumpFailed(ILogger logger, Exception exception, Guid userId);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "A command of user {UserId} met an unavailable database; answered unavailable")]
    public static partial void CommandUnavailable(ILogger logger, Exception exception, Guid userId);
}
