using System.Buffers;
using System.Text.Json;
using Confab.Chat.Messages;
using Confab.Chat.Realtime;

namespace Confab.Server.Realtime;

/// <summary>Server frames as UTF-8 JSON (docs/protocol.md lists them). Built once and shared by every socket that gets them.</summary>
internal static class Frames
{
    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Error(string code, string message, string? clientMsgId = null, Guid? conversationId = null, IReadOnlyDictionary<string, string[]>? errors = null, TimeSpan? retryAfter = null) =>
        Write(w =>
        {
            w.WriteString("type", "error");
            w.WriteString("code", code);
            w.WriteString("message", message);
            if (clientMsgId is not null)
            {
                w.WriteString("clientMsgId", clientMsgId);
            }

            if (conversationId is { } id)
            {
                w.WriteString("conversationId", id);
            }

            if (retryAfter is { } wait)
            {
                w.WriteNumber("retryAfterMs", (long)Math.Ceiling(wait.TotalMilliseconds));
            }

            if (errors is { Count: > 0 })
            {
                w.WriteStartObject("errors");
                foreach (var (field, reasons) in errors)
                {
                    w.WriteStartArray(field);
                    foreach (var reason in reasons)
                    {
                        w.WriteStringValue(reason);
                    }

                    w.WriteEndArray();
                }

                w.WriteEndObject();
            }
        });

    public static byte[] Ready(Guid userId, Guid sessionId, string node, StreamPositions positions, RealtimeOptions options) => Write(w =>
    {
        w.WriteString("type", "ready");
        w.WriteString("userId", userId);
        w.WriteString("sessionId", sessionId);
        w.WriteString("node", node);
        w.WriteNumber("userSeq", positions.UserSeq);
        w.WriteStartObject("conversations");
        foreach (var (conversation, lastSeq) in positions.Conversations)
        {
            w.WriteNumber(conversation.ToString(), lastSeq);
        }

        w.WriteEndObject();
        w.WriteStartObject("limits");
        w.WriteNumber("replayLimit", options.ReplayLimit);
        w.WriteNumber("maxFrameBytes", options.MaxFrameBytes);
        w.WriteNumber("outboundQueueFrames", options.OutboundQueueFrames);
        w.WriteNumber("typingSeconds", options.TypingSeconds);
        w.WriteNumber("maxResumeCursors", options.MaxResumeCursors);
        w.WriteEndObject();
    });

    /// <summary>The client is too far behind (or ahead) for a replay: where to page from over REST.</summary>
    public static byte[] Limited(Guid conversation, long after, long lastSeq, int replayLimit, int pageSize) => Write(w =>
    {
        w.WriteString("type", "limited");
        w.WriteString("conversationId", conversation);
        w.WriteString("reason", after > lastSeq ? "cursor_ahead" : "too_far_behind");
        w.WriteNumber("afterSeq", after);
        w.WriteNumber("lastSeq", lastSeq);
        w.WriteNumber("replayLimit", replayLimit);
        w.WriteString("events", $"/api/v1/conversations/{conversation}/events?after={Math.Min(after, lastSeq)}&limit={pageSize}");
        w.WriteString("messages", $"/api/v1/conversations/{conversation}/messages?before={lastSeq + 1}&limit=50");
    });

    public static byte[] Pong(JsonElement? id, DateTimeOffset now) => Write(w =>
    {
        w.WriteString("type", "pong");
        if (id is { } echo)
        {
            w.WritePropertyName("id");
            echo.WriteTo(w);
        }

        w.WriteString("at", now.UtcDateTime);
    });

    public static byte[] Ack(string clientMsgId, bool created, MessageView message, JsonSerializerOptions json) => Write(w =>
    {
        w.WriteString("type", "ack");
        w.WriteString("clientMsgId", clientMsgId);
        w.WriteBoolean("created", created);
        w.WritePropertyName("message");
        JsonSerializer.Serialize(w, message, json);
    });

    public static byte[] Receipt(Guid conversation, Watermarks marks) => Write(w =>
    {
        w.WriteString("type", "receipt");
        w.WriteString("conversationId", conversation);
        w.WriteNumber("lastReadSeq", marks.LastReadSeq);
        w.WriteNumber("lastDeliveredSeq", marks.LastDeliveredSeq);
        w.WriteNumber("unreadCount", marks.UnreadCount);
    });

    public static byte[] Reconnect(string reason) => Write(w =>
    {
        w.WriteString("type", "reconnect");
        w.WriteString("reason", reason);
        w.WriteNumber("retryAfterMs", Random.Shared.Next(250, 2500));
    });

    public static byte[] Typing(Guid conversationId, Guid userId, bool typing, int typingSeconds) => Write(w =>
    {
        w.WriteString("type", "typing");
        w.WriteString("conversationId", conversationId);
        w.WriteString("userId", userId);
        w.WriteString("state", typing ? "start" : "stop");
        w.WriteNumber("ttlMs", typing ? typingSeconds * 1000 : 0);
    });

    public static byte[] Presence(Guid userId, string state, DateTimeOffset now) => Write(w =>
    {
        w.WriteString("type", "presence");
        w.WriteString("userId", userId);
        w.WriteString("state", state);
        w.WriteString("at", now.UtcDateTime);
    });

    public static byte[] Event(ConversationEvent e, JsonSerializerOptions json) => Write(w =>
    {
        w.WriteString("type", "event");
        w.WriteString("conversationId", e.ConversationId);
        w.WriteNumber("seq", e.Seq);
        w.WriteString("kind", e.Kind);
        if (e.ActorId is { } actor)
        {
            w.WriteString("actorId", actor);
        }

        w.WriteString("createdAt", e.CreatedAt);
        w.WriteStartObject("data");
        WritePayload(w, e.Payload);
        if (e.MessageId is { } messageId)
        {
            w.WriteString("messageId", messageId);
        }

        if (e.Message is { } message)
        {
            w.WritePropertyName("message");
            JsonSerializer.Serialize(w, message, json);
        }

        w.WriteEndObject();
    });

    public static byte[] UserEvent(UserEvent e) => Write(w =>
    {
        w.WriteString("type", "user");
        w.WriteNumber("seq", e.Seq);
        w.WriteString("kind", e.Kind);
        w.WriteString("createdAt", e.CreatedAt);
        w.WriteStartObject("data");
        WritePayload(w, e.Payload);
        w.WriteEndObject();
    });

    /// <summary>Copies the properties of a stored JSON object into the object being written.</summary>
    private static void WritePayload(Utf8JsonWriter w, string payload)
    {
        using var document = JsonDocument.Parse(payload);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            property.WriteTo(w);
        }
    }
}

/// <summary>The stable codes of socket error frames (docs/protocol.md lists them).</summary>
internal static class ErrorCodes
{
    public const string BadFrame = "bad_frame";
    public const string UnknownType = "unknown_type";
    public const string AlreadyAuthenticated = "already_authenticated";
    public const string HelloRequired = "hello_required";
    public const string HelloTimeout = "hello_timeout";
    public const string Unauthenticated = "unauthenticated";
    public const string SessionRevoked = "session_revoked";
    public const string ConversationNotFound = "conversation_not_found";
    public const string ValidationFailed = "validation_failed";
    public const string InvalidText = "invalid_text";
    public const string TooManyCursors = "too_many_cursors";
    public const string RateLimited = "rate_limited";
    public const string TooManySockets = "too_many_sockets";
    public const string Unavailable = "unavailable";
}
