using System.Data.Common;
using System.Text.Json;
using Confab.Storage.Engines;
using Dapper;

namespace Confab.Chat.Audit;

public enum AuditSeverity
{
    Info,
    Notice,
    Warning,
    Critical,
}

/// <summary>
/// Security events, written in the transaction of the action they record, so an event exists exactly when its
/// action happened. The table is append-only; neither passwords nor tokens ever go into details.
/// </summary>
public static class AuditLog
{
    public static Task RecordAsync(
        DbConnection connection,
        DbTransaction transaction,
        Guid? actorId,
        string action,
        ClientInfo client,
        AuditSeverity severity = AuditSeverity.Info,
        string? targetType = null,
        string? targetId = null,
        object? details = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(client);
        return connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO audit_log (actor_id, action, target_type, target_id, ip_address, user_agent, severity, details, created_at)
            VALUES (@actorId, @action, @targetType, @targetId, @ip, @agent, @severity, @details, @now)
            """,
            new
            {
                actorId,
                action,
                targetType,
                targetId,
                ip = client.Ip,
                agent = client.Agent,
                severity = severity.ToString().ToLowerInvariant(),
                details = new JsonText(details is null ? "{}" : JsonSerializer.Serialize(details, JsonSerializerOptions.Web)),
                now = DateTime.UtcNow,
            },
            transaction,
            cancellationToken: cancellationToken));
    }
}
