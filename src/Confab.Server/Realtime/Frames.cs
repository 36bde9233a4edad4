using System.Buffers;
using System.Text.Json;
using Confab.Chat.Realtime;

namespace Confab.Server.Realtime;

/// <summary>Server frames as UTF-8 JSON (docs/protocol.md lists them). Built once and shared by every socket that gets them.</summary>
internal static class Frames
{
    public static byte[] Write(Action<Utf8JsonWriter> body)
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
