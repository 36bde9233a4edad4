using System.Text.Json;
using Confab.Chat.Messages;

namespace Confab.Server.Realtime;

/// <summary>A frame the client got wrong: answered with an error frame, and (unless it is only a refused value) counted.</summary>
internal sealed class BadFrameException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    public string? ClientMsgId { get; init; }

    public Guid? ConversationId { get; init; }

    /// <summary>False for a well-formed frame with a value the server refuses: that is not abuse.</summary>
    public bool Counts { get; init; } = true;
}

/// <summary>A client frame, parsed (docs/protocol.md lists them).</summary>
internal abstract record ClientFrame;

internal sealed record HelloFrame(string? Token, IReadOnlyDictionary<Guid, long> Cursors, long? UserSeq, bool CatchUpAll) : ClientFrame;

internal sealed record PingFrame(JsonElement? Id) : ClientFrame;

internal sealed record SendFrame(string ClientMsgId, Guid ConversationId, NewMessage Message) : ClientFrame;

internal sealed record TypingFrame(Guid ConversationId, bool Start) : ClientFrame;

internal sealed record ReceiptFrame(Guid ConversationId, long Seq, bool Read) : ClientFrame;

internal sealed record ResumeFrame(IReadOnlyDictionary<Guid, long> Cursors) : ClientFrame;

/// <summary>
/// Client frames from their JSON text to <see cref="ClientFrame"/> records: the one place that reads client JSON. A
/// malformed frame is a <see cref="BadFrameException"/> with a stable code, never another exception; text with NUL
/// or a lone surrogate is refused as <c>invalid_text</c>.
/// </summary>
internal static class ClientFrames
{
    public static ClientFrame Parse(byte[] frame, int maxCursors)
    {
        if (frame.Length == 0)
        {
            throw new BadFrameException(ErrorCodes.BadFrame, "Frames are JSON objects in text frames.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(frame);
        }
        catch (JsonException ex)
        {
            throw new BadFrameException(ErrorCodes.BadFrame, ex.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new BadFrameException(ErrorCodes.BadFrame, "A frame is a JSON object with a type.");
            }

            var type = Text(root, "type") ?? throw new BadFrameException(ErrorCodes.BadFrame, "A frame needs a string type.");
            return type switch
            {
                "hello" => Hello(root, maxCursors),
                "ping" => new PingFrame(root.TryGetProperty("id", out var id) ? Echoable(id).Clone() : null),
                "send" => Send(root),
                "typing" => Typing(root),
                "read" or "delivered" => new ReceiptFrame(
                    Id(root, "conversationId"),
                    root.TryGetProperty("seq", out var s) ? Seq(s, "seq") : throw new BadFrameException(ErrorCodes.BadFrame, "A receipt needs a seq."),
                    type == "read"),
                "resume" => new ResumeFrame(Cursors(root, maxCursors)),
                _ => throw new BadFrameException(ErrorCodes.UnknownType, $"Unknown frame type '{Printable(type)}'."),
            };
        }
    }

    private static HelloFrame Hello(JsonElement root, int maxCursors) =>
        new(Text(root, "token"), Cursors(root, maxCursors), root.TryGetProperty("userSeq", out var seq) ? Seq(seq, "userSeq") : null, Text(root, "catchUp") == "all");

    private static SendFrame Send(JsonElement root)
    {
        var clientMsgId = Text(root, "clientMsgId")
            ?? throw new BadFrameException(ErrorCodes.BadFrame, "send needs a clientMsgId, so that a retry cannot duplicate the message.");
        var conversation = Id(root, "conversationId");
        BadFrameException Refused(string message) => new(ErrorCodes.ValidationFailed, message) { ClientMsgId = clientMsgId, ConversationId = conversation, Counts = false };

        byte[]? ciphertext = null;
        if (root.TryGetProperty("ciphertext", out var c) && c.ValueKind == JsonValueKind.String)
        {
            // Decoded first: the base64 reader unescapes the string too, and an escaped lone surrogate is no text.
            _ = Decoded(c, "ciphertext");
            ciphertext = c.TryGetBytesFromBase64(out var bytes) ? bytes : throw Refused("ciphertext must be base64.");
        }

        Guid? replyTo = null;
        if (root.TryGetProperty("replyTo", out var r) && r.ValueKind == JsonValueKind.String)
        {
            replyTo = Guid.TryParse(Decoded(r, "replyTo"), out var target) ? target : throw Refused("replyTo must be a message id.");
        }

        var attachments = new List<Guid>();
        if (root.TryGetProperty("attachmentIds", out var a) && a.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in a.EnumerateArray())
            {
                attachments.Add(item.ValueKind == JsonValueKind.String && Guid.TryParse(Decoded(item, "attachmentIds"), out var attachment)
                    ? attachment
                    : throw Refused("attachmentIds must be attachment ids."));
            }
        }

        return new SendFrame(clientMsgId, conversation, new NewMessage(clientMsgId, Text(root, "body"), ciphertext, replyTo) { AttachmentIds = attachments });
    }

    private static TypingFrame Typing(JsonElement root)
    {
        var conversation = Id(root, "conversationId");
        var state = Text(root, "state") ?? "start";
        return state switch
        {
            "start" => new TypingFrame(conversation, true),
            "stop" => new TypingFrame(conversation, false),
            _ => throw new BadFrameException(ErrorCodes.BadFrame, "typing state is start or stop."),
        };
    }

    /// <summary>A string property; null when absent or not a string. NUL or a lone surrogate is refused.</summary>
    private static string? Text(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var text = Decoded(value, name);
        if (text.Contains('\0', StringComparison.Ordinal) || !IsWellFormed(text))
        {
            throw InvalidText(name);
        }

        return text;
    }

    /// <summary>A JSON string value as a .NET string; an escaped lone surrogate ("\ud800") cannot become one.</summary>
    private static string Decoded(JsonElement value, string name)
    {
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw InvalidText(name);
        }
    }

    /// <summary>A ping's id is echoed as it came, so every string in it must be text the pong can be written with.</summary>
    private static JsonElement Echoable(JsonElement id)
    {
        switch (id.ValueKind)
        {
            case JsonValueKind.String when !IsWellFormed(Decoded(id, "id")):
                throw InvalidText("id");
            case JsonValueKind.Array:
                foreach (var item in id.EnumerateArray())
                {
                    Echoable(item);
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in id.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        throw InvalidText("id");
                    }

                    if (!IsWellFormed(name))
                    {
                        throw InvalidText("id");
                    }

                    Echoable(property.Value);
                }

                break;
        }

        return id;
    }

    private static BadFrameException InvalidText(string name) =>
        new(ErrorCodes.InvalidText, $"{name} must be text without NUL characters or unpaired surrogates.");

    private static bool IsWellFormed(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static string Printable(string text) => text.Length <= 40 ? text : text[..40] + "…";

    // Through Text, not TryGetGuid: TryGetGuid decodes the string first and throws on an escaped lone surrogate.
    private static Guid Id(JsonElement root, string name) =>
        Text(root, name) is { } text && Guid.TryParse(text, out var id)
            ? id
            : throw new BadFrameException(ErrorCodes.BadFrame, $"{name} must be an id.");

    private static long Seq(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seq) && seq >= 0
            ? seq
            : throw new BadFrameException(ErrorCodes.BadFrame, $"{name} must be a whole number, 0 or more.");

    private static Dictionary<Guid, long> Cursors(JsonElement root, int maxCursors)
    {
        if (!root.TryGetProperty("cursors", out var cursors) || cursors.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (cursors.ValueKind != JsonValueKind.Object)
        {
            throw new BadFrameException(ErrorCodes.BadFrame, "cursors maps conversation ids to the last seq held.");
        }

        var result = new Dictionary<Guid, long>();
        foreach (var property in cursors.EnumerateObject())
        {
            if (result.Count >= maxCursors)
            {
                throw new BadFrameException(ErrorCodes.TooManyCursors, $"One frame may carry at most {maxCursors} cursors.");
            }

            string name;
            try
            {
                name = property.Name;
            }
            catch (InvalidOperationException)
            {
                throw InvalidText("cursors");
            }

            if (!Guid.TryParse(name, out var id))
            {
                throw new BadFrameException(ErrorCodes.BadFrame, $"cursors: '{Printable(name)}' is not a conversation id.");
            }

            result[id] = Seq(property.Value, "a cursor");
        }

        return result;
    }
}
