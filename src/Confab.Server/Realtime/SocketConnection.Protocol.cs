using System.Text.Json;
using Confab.Chat;
using Confab.Chat.Messages;
using Confab.Chat.Realtime;
using Confab.Storage;

namespace Confab.Server.Realtime;

public sealed partial class SocketConnection
{
    /// <summary>What a client's hello asked for.</summary>
    private sealed record Hello(IReadOnlyDictionary<Guid, long> Cursors, long? UserSeq, bool CatchUpAll);

    /// <summary>A frame the client got wrong: answered with an error frame, and counted.</summary>
    private sealed class BadFrameException(string code, string message) : Exception(message)
    {
        public string Code { get; } = code;
    }

    private async Task<Hello?> ReceiveHelloAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.HelloTimeoutSeconds));
        byte[]? frame;
        try
        {
            frame = await ReceiveAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await RefuseAsync("hello_timeout", $"Send a hello frame within {options.HelloTimeoutSeconds} seconds.");
            return null;
        }

        if (frame is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(frame);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || Text(root, "type") != "hello")
            {
                await RefuseAsync("hello_required", "The first frame must be a hello with an access token.");
                return null;
            }

            var token = Text(root, "token");
            var session = token is null ? null : await sessions.AuthenticateAsync(token, cancellationToken);
            if (session is null)
            {
                await RefuseAsync("unauthenticated", "The access token is unknown, expired or revoked.");
                return null;
            }

            UserId = session.UserId;
            SessionId = session.SessionId;
            return new Hello(Cursors(root), root.TryGetProperty("userSeq", out var seq) ? Seq(seq, "userSeq") : null, Text(root, "catchUp") == "all");
        }
        catch (Exception ex) when (ex is JsonException or BadFrameException or ArgumentException)
        {
            await RefuseAsync("hello_required", "The first frame must be a JSON hello: " + ex.Message);
            return null;
        }
    }

    private async Task RefuseAsync(string code, string message)
    {
        outbound.Writer.TryWrite(Frames.Error(code, message));
        await CloseAsync(SocketClose.Unauthenticated, code, announceReconnect: false);
    }

    /// <summary>
    /// Follows every conversation of the user, then tells the client where each stands. The second read of the
    /// positions catches changes that committed while the sockets were being registered.
    /// </summary>
    private async Task StartStreamsAsync(Hello hello, CancellationToken cancellationToken)
    {
        var before = await streams.PositionsAsync(UserId, cancellationToken);
        var requested = hello.Cursors.ToDictionary();
        if (hello.CatchUpAll)
        {
            foreach (var conversation in before.Conversations.Keys)
            {
                requested.TryAdd(conversation, 0);
            }
        }

        lock (gate)
        {
            foreach (var (conversation, lastSeq) in before.Conversations)
            {
                if (requested.ContainsKey(conversation))
                {
                    // Positioned by the resume below, which replays or answers "limited".
                    continue;
                }

                cursors[conversation] = lastSeq;
                hub.Follow(this, conversation);
            }

            userCursor = hello.UserSeq ?? before.UserSeq;
            userDirty = hello.UserSeq is not null;
        }

        var now = await streams.PositionsAsync(UserId, cancellationToken);
        await EnqueueAsync(Frames.Write(w =>
        {
            w.WriteString("type", "ready");
            w.WriteString("userId", UserId);
            w.WriteString("sessionId", SessionId);
            w.WriteString("node", hub.NodeId);
            w.WriteNumber("userSeq", now.UserSeq);
            w.WriteStartObject("conversations");
            foreach (var (conversation, lastSeq) in now.Conversations)
            {
                w.WriteNumber(conversation.ToString(), lastSeq);
            }

            w.WriteEndObject();
            w.WriteStartObject("limits");
            w.WriteNumber("replayLimit", options.ReplayLimit);
            w.WriteNumber("maxFrameBytes", options.MaxFrameBytes);
            w.WriteNumber("outboundQueueFrames", options.OutboundQueueFrames);
            w.WriteNumber("typingSeconds", options.TypingSeconds);
            w.WriteEndObject();
        }), cancellationToken);
        Volatile.Write(ref ready, true);

        lock (gate)
        {
            foreach (var (conversation, lastSeq) in now.Conversations)
            {
                if (!cursors.ContainsKey(conversation))
                {
                    // Joined in between: its conversation.joined user event follows it.
                    continue;
                }

                if (lastSeq > cursors[conversation])
                {
                    dirty.Add(conversation);
                }
            }

            resumes.Enqueue(requested);
        }

        wake.Writer.TryWrite(true);
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await wake.Reader.WaitToReadAsync(cancellationToken))
            {
                wake.Reader.TryRead(out _);
                while (true)
                {
                    IReadOnlyDictionary<Guid, long>? resume;
                    List<Guid> conversations;
                    bool user;
                    lock (gate)
                    {
                        resume = resumes.Count > 0 ? resumes.Dequeue() : null;
                        conversations = [.. dirty];
                        dirty.Clear();
                        user = userDirty;
                        userDirty = false;
                    }

                    if (resume is null && conversations.Count == 0 && !user)
                    {
                        break;
                    }

                    if (resume is not null)
                    {
                        await ResumeAsync(resume, cancellationToken);
                    }

                    if (user)
                    {
                        await PumpUserAsync(cancellationToken);
                    }

                    foreach (var conversation in conversations)
                    {
                        await PumpConversationAsync(conversation, cancellationToken);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Closing.
        }
        catch (DatabaseUnavailableException ex)
        {
            RealtimeLog.PumpFailed(logger, ex, UserId);
            await CloseAsync(SocketClose.ServiceRestart, "database unavailable", announceReconnect: true);
        }
        catch (Exception ex) when (StorageErrors.IsConnectFailure(ex) || StorageErrors.IsRetryable(ex))
        {
            RealtimeLog.PumpFailed(logger, ex, UserId);
            await CloseAsync(SocketClose.ServiceRestart, "database unavailable", announceReconnect: true);
        }
    }

    /// <summary>Positions the cursors a client asked for: replays what it lacks, or says "limited" when that is too much.</summary>
    private async Task ResumeAsync(IReadOnlyDictionary<Guid, long> requested, CancellationToken cancellationToken)
    {
        if (requested.Count == 0)
        {
            return;
        }

        var positions = await streams.PositionsAsync(UserId, cancellationToken);
        foreach (var (conversation, after) in requested)
        {
            if (!positions.Conversations.TryGetValue(conversation, out var lastSeq))
            {
                await EnqueueAsync(Frames.Error("conversation_not_found", "There is no such conversation.", conversationId: conversation), cancellationToken);
                continue;
            }

            var behind = lastSeq - after;
            long cursor = after;
            if (behind > options.ReplayLimit || after > lastSeq)
            {
                await EnqueueAsync(Frames.Write(w =>
                {
                    w.WriteString("type", "limited");
                    w.WriteString("conversationId", conversation);
                    w.WriteString("reason", after > lastSeq ? "cursor_ahead" : "too_far_behind");
                    w.WriteNumber("afterSeq", after);
                    w.WriteNumber("lastSeq", lastSeq);
                    w.WriteNumber("replayLimit", options.ReplayLimit);
                    w.WriteString("events", $"/api/v1/conversations/{conversation}/events?after={Math.Min(after, lastSeq)}&limit={PageSize}");
                    w.WriteString("messages", $"/api/v1/conversations/{conversation}/messages?before={lastSeq + 1}&limit=50");
                }), cancellationToken);
                cursor = lastSeq;
            }

            lock (gate)
            {
                if (!cursors.ContainsKey(conversation))
                {
                    hub.Follow(this, conversation);
                }

                cursors[conversation] = cursor;
            }

            await PumpConversationAsync(conversation, cancellationToken);
        }
    }

    private async Task PumpConversationAsync(Guid conversation, CancellationToken cancellationToken)
    {
        while (true)
        {
            long after;
            lock (gate)
            {
                if (!cursors.TryGetValue(conversation, out after))
                {
                    return;
                }
            }

            var events = await cache.ReadAsync(UserId, conversation, after, PageSize, json, cancellationToken);
            if (events is null)
            {
                Unfollow(conversation);
                return;
            }

            foreach (var (e, frame) in events)
            {
                await EnqueueAsync(frame, cancellationToken);
                lock (gate)
                {
                    cursors[conversation] = e.Seq;
                }

                if (e.Kind == EventKind.ConversationDeleted || (e.Kind == EventKind.MemberRemoved && EventPayload.Read<MemberChange>(e.Payload)?.UserId == UserId))
                {
                    Unfollow(conversation);
                    return;
                }
            }

            if (events.Count < PageSize)
            {
                return;
            }
        }
    }

    private async Task PumpUserAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            long after;
            lock (gate)
            {
                after = userCursor;
            }

            var events = await streams.ReadUserAsync(UserId, after, PageSize, cancellationToken);
            foreach (var e in events)
            {
                await EnqueueAsync(Frames.UserEvent(e), cancellationToken);
                lock (gate)
                {
                    userCursor = e.Seq;
                }

                if (e.Kind == UserEventKind.ConversationJoined && EventPayload.Read<ConversationJoined>(e.Payload) is { } joined)
                {
                    lock (gate)
                    {
                        if (!cursors.ContainsKey(joined.ConversationId))
                        {
                            cursors[joined.ConversationId] = joined.AfterSeq;
                            hub.Follow(this, joined.ConversationId);
                        }
                    }

                    await PumpConversationAsync(joined.ConversationId, cancellationToken);
                }
                else if (e.Kind == UserEventKind.ConversationLeft && EventPayload.Read<ConversationLeft>(e.Payload) is { } left)
                {
                    Unfollow(left.ConversationId);
                }
            }

            if (events.Count < PageSize)
            {
                return;
            }
        }
    }

    private void Unfollow(Guid conversation)
    {
        lock (gate)
        {
            cursors.Remove(conversation);
            dirty.Remove(conversation);
        }

        hub.Unfollow(this, conversation);
    }

    private async Task ReadLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var frame = await ReceiveAsync(cancellationToken);
            if (frame is null)
            {
                return;
            }

            try
            {
                await HandleAsync(frame, cancellationToken);
            }
            catch (Exception ex) when (ex is JsonException or BadFrameException or FormatException or InvalidOperationException)
            {
                var code = ex is BadFrameException bad ? bad.Code : "bad_frame";
                await EnqueueAsync(Frames.Error(code, ex.Message), cancellationToken);
                if (++badFrames > options.MaxBadFrames)
                {
                    await CloseAsync(SocketClose.Abuse, "too many bad frames", announceReconnect: false);
                    return;
                }
            }
        }
    }

    private async Task HandleAsync(byte[] frame, CancellationToken cancellationToken)
    {
        if (frame.Length == 0)
        {
            throw new BadFrameException("bad_frame", "Frames are JSON objects in text frames.");
        }

        using var document = JsonDocument.Parse(frame);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new BadFrameException("bad_frame", "A frame is a JSON object with a type.");
        }

        var type = Text(root, "type") ?? throw new BadFrameException("bad_frame", "A frame needs a string type.");
        if (type != "ping")
        {
            hub.Touch(this);
        }

        switch (type)
        {
            case "ping":
                await EnqueueAsync(Frames.Write(w =>
                {
                    w.WriteString("type", "pong");
                    if (root.TryGetProperty("id", out var id))
                    {
                        w.WritePropertyName("id");
                        id.WriteTo(w);
                    }

                    w.WriteString("at", clock.GetUtcNow().UtcDateTime);
                }), cancellationToken);
                break;
            case "send":
                await SendAsync(root, cancellationToken);
                break;
            case "typing":
                await TypingAsync(root, cancellationToken);
                break;
            case "read" or "delivered":
                await ReceiptAsync(root, type == "read", cancellationToken);
                break;
            case "resume":
                lock (gate)
                {
                    resumes.Enqueue(Cursors(root));
                }

                wake.Writer.TryWrite(true);
                break;
            case "hello":
                throw new BadFrameException("already_authenticated", "This socket has said hello already.");
            default:
                throw new BadFrameException("unknown_type", $"Unknown frame type '{type}'.");
        }
    }

    private async Task SendAsync(JsonElement root, CancellationToken cancellationToken)
    {
        var clientMsgId = Text(root, "clientMsgId") ?? throw new BadFrameException("bad_frame", "send needs a clientMsgId, so that a retry cannot duplicate the message.");
        var conversation = Id(root, "conversationId");
        try
        {
            byte[]? ciphertext = root.TryGetProperty("ciphertext", out var c) && c.ValueKind == JsonValueKind.String ? c.GetBytesFromBase64() : null;
            Guid? replyTo = root.TryGetProperty("replyTo", out var r) && r.ValueKind == JsonValueKind.String ? r.GetGuid() : null;
            var attachments = root.TryGetProperty("attachmentIds", out var a) && a.ValueKind == JsonValueKind.Array
                ? a.EnumerateArray().Select(x => x.GetGuid()).ToList()
                : [];
            var (message, created) = await sending.SendAsync(
                UserId, conversation, new NewMessage(clientMsgId, Text(root, "body"), ciphertext, replyTo) { AttachmentIds = attachments }, cancellationToken);
            await EnqueueAsync(Frames.Write(w =>
            {
                w.WriteString("type", "ack");
                w.WriteString("clientMsgId", clientMsgId);
                w.WriteBoolean("created", created);
                w.WritePropertyName("message");
                JsonSerializer.Serialize(w, message, json);
            }), cancellationToken);
        }
        catch (ChatException ex)
        {
            await EnqueueAsync(Frames.Error(ex.Code, ex.Message, clientMsgId, conversation, ex.Errors, ex.RetryAfter), cancellationToken);
        }
        catch (Exception ex) when (ex is FormatException or InvalidOperationException)
        {
            await EnqueueAsync(Frames.Error("validation_failed", ex.Message, clientMsgId, conversation), cancellationToken);
        }
        catch (Exception ex) when (ex is DatabaseUnavailableException || StorageErrors.IsConnectFailure(ex) || StorageErrors.IsRetryable(ex))
        {
            // Not acknowledged: the client retries with the same clientMsgId and gets exactly one message.
            await EnqueueAsync(Frames.Error("unavailable", "The message was not stored; retry with the same clientMsgId.", clientMsgId, conversation), cancellationToken);
        }
    }

    private async Task TypingAsync(JsonElement root, CancellationToken cancellationToken)
    {
        var conversation = Id(root, "conversationId");
        var state = Text(root, "state") ?? "start";
        if (state is not ("start" or "stop"))
        {
            throw new BadFrameException("bad_frame", "typing state is start or stop.");
        }

        bool following;
        var now = clock.GetUtcNow();
        bool publish;
        lock (gate)
        {
            following = cursors.ContainsKey(conversation);
            if (state == "start")
            {
                publish = !typing.TryGetValue(conversation, out var last) || now - last >= TypingThrottle;
                typing[conversation] = now;
            }
            else
            {
                publish = typing.Remove(conversation);
            }
        }

        if (!following)
        {
            await EnqueueAsync(Frames.Error("conversation_not_found", "There is no such conversation.", conversationId: conversation), cancellationToken);
            return;
        }

        if (publish)
        {
            await hub.PublishTypingAsync(conversation, UserId, state == "start");
        }
    }

    private async Task StopTypingAsync()
    {
        List<Guid> stopped;
        var now = clock.GetUtcNow();
        lock (gate)
        {
            stopped = typing.Where(t => now - t.Value < TimeSpan.FromSeconds(options.TypingSeconds)).Select(t => t.Key).ToList();
            typing.Clear();
        }

        foreach (var conversation in stopped)
        {
            await hub.PublishTypingAsync(conversation, UserId, typing: false);
        }
    }

    private async Task ReceiptAsync(JsonElement root, bool read, CancellationToken cancellationToken)
    {
        var conversation = Id(root, "conversationId");
        var seq = root.TryGetProperty("seq", out var s) ? Seq(s, "seq") : throw new BadFrameException("bad_frame", "A receipt needs a seq.");
        try
        {
            var marks = read
                ? await messages.MarkReadAsync(UserId, conversation, seq, cancellationToken)
                : await messages.MarkDeliveredAsync(UserId, conversation, seq, cancellationToken);
            await EnqueueAsync(Frames.Write(w =>
            {
                w.WriteString("type", "receipt");
                w.WriteString("conversationId", conversation);
                w.WriteNumber("lastReadSeq", marks.LastReadSeq);
                w.WriteNumber("lastDeliveredSeq", marks.LastDeliveredSeq);
                w.WriteNumber("unreadCount", marks.UnreadCount);
            }), cancellationToken);
        }
        catch (ChatException ex)
        {
            await EnqueueAsync(Frames.Error(ex.Code, ex.Message, conversationId: conversation, errors: ex.Errors), cancellationToken);
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static Guid Id(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetGuid(out var id)
            ? id
            : throw new BadFrameException("bad_frame", $"{name} must be an id.");

    private static long Seq(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seq) && seq >= 0
            ? seq
            : throw new BadFrameException("bad_frame", $"{name} must be a whole number, 0 or more.");

    private static IReadOnlyDictionary<Guid, long> Cursors(JsonElement root)
    {
        if (!root.TryGetProperty("cursors", out var cursors) || cursors.ValueKind == JsonValueKind.Null)
        {
            return new Dictionary<Guid, long>();
        }

        if (cursors.ValueKind != JsonValueKind.Object)
        {
            throw new BadFrameException("bad_frame", "cursors maps conversation ids to the last seq held.");
        }

        var result = new Dictionary<Guid, long>();
        foreach (var property in cursors.EnumerateObject())
        {
            if (!Guid.TryParse(property.Name, out var id))
            {
                throw new BadFrameException("bad_frame", $"cursors: '{property.Name}' is not a conversation id.");
            }

            result[id] = Seq(property.Value, "a cursor");
        }

        return result;
    }
}
