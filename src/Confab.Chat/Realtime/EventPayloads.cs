using System.Text.Json;
using System.Text.Json.Serialization;

namespace Confab.Chat.Realtime;

/// <summary><c>member.added</c>, <c>member.removed</c>: whom it is about.</summary>
public sealed record MemberChange(Guid UserId);

/// <summary><c>member.role_changed</c>.</summary>
public sealed record RoleChange(Guid UserId, string Role, string Previous);

/// <summary><c>conversation.updated</c>: the new title when it changed (null otherwise), and whether the settings did.</summary>
public sealed record ConversationUpdate(string? Title, bool SettingsChanged);

/// <summary><c>reaction.added</c>, <c>reaction.removed</c>.</summary>
public sealed record ReactionChange(string Emoji);

/// <summary><c>receipt.read</c>, <c>receipt.delivered</c>: whose watermark moved, and to which seq.</summary>
public sealed record ReceiptMove(Guid UserId, long Seq);

/// <summary><c>message.deleted</c>: why, when it was not its author or a moderator (<see cref="Retention"/>).</summary>
public sealed record MessageDeletion([property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Reason)
{
    public const string Retention = "retention";
}

/// <summary>User stream <c>conversation.joined</c>: follow the conversation from after this seq.</summary>
public sealed record ConversationJoined(Guid ConversationId, long AfterSeq);

/// <summary>User stream <c>conversation.left</c>.</summary>
public sealed record ConversationLeft(Guid ConversationId);

/// <summary>User stream <c>contact.*</c>: who did it.</summary>
public sealed record ContactChange(Guid UserId);

/// <summary>The JSON form of event payloads (<c>payload</c> columns): camelCase objects, written and read here only.</summary>
public static class EventPayload
{
    public const string Empty = "{}";

    public static string Write<T>(T payload)
        where T : class => JsonSerializer.Serialize(payload, JsonSerializerOptions.Web);

    /// <summary>The payload as <typeparamref name="T"/>, or null when it is not of that shape.</summary>
    public static T? Read<T>(string payload)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(payload, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
