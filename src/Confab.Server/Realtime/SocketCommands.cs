using Confab.Chat;
using Confab.Server.Errors;

namespace Confab.Server.Realtime;

/// <summary>
/// What a client frame asks for, done: send, typing, receipts, ping and resume. Every command that touches the
/// database runs through <see cref="RunAsync"/>, so a refusal of the domain becomes its error frame and a storage
/// failure becomes <c>unavailable</c> (the client retries; a send with the same clientMsgId stores one message).
/// </summary>
internal sealed class SocketCommands(SocketConnection connection, SocketTransport transport, StreamPump pump, SocketServices services)
{
    private static readonly TimeSpan TypingThrottle = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan TypingWindow = TimeSpan.FromMinutes(1);

    private readonly Lock gate = new();
    private readonly Dictionary<Guid, DateTimeOffset> typing = [];
    private readonly Dictionary<Guid, (DateTimeOffset Start, int Count)> typingBudget = [];
    private readonly Queue<DateTimeOffset> resumes = new();

    private Guid UserId => connection.UserId;

    public Task HandleAsync(ClientFrame frame, CancellationToken cancellationToken) => frame switch
    {
        PingFrame ping => transport.EnqueueAsync(Frames.Pong(ping.Id, services.Clock.GetUtcNow()), cancellationToken),
        SendFrame send => SendAsync(send, cancellationToken),
        TypingFrame t => TypingAsync(t, cancellationToken),
        ReceiptFrame receipt => ReceiptAsync(receipt, cancellationToken),
        ResumeFrame resume => ResumeAsync(resume),
        HelloFrame => throw new BadFrameException(ErrorCodes.AlreadyAuthenticated, "This socket has said hello already."),
        _ => throw new BadFrameException(ErrorCodes.UnknownType, "Unknown frame type."),
    };

    /// <summary>Stops the typing indicators this socket started, when it closes.</summary>
    public async Task StopTypingAsync()
    {
        List<Guid> stopped;
        var now = services.Clock.GetUtcNow();
        lock (gate)
        {
            stopped = typing.Where(t => now - t.Value < TimeSpan.FromSeconds(services.Options.TypingSeconds)).Select(t => t.Key).ToList();
            typing.Clear();
        }

        foreach (var conversation in stopped)
        {
            await services.Hub.Presence.PublishTypingAsync(conversation, UserId, typing: false);
        }
    }

    /// <summary>The one way a command meets the database: domain refusals and storage failures become error frames.</summary>
    private async Task RunAsync(Func<Task> command, string? clientMsgId, Guid? conversationId, string unavailable, CancellationToken cancellationToken)
    {
        try
        {
            await command();
        }
        catch (ChatException ex)
        {
            await transport.EnqueueAsync(Frames.Error(ex.Code, ex.Message, clientMsgId, conversationId, ex.Errors, ex.RetryAfter), cancellationToken);
        }
        catch (Exception ex) when (StorageFailure.Is(ex) && !cancellationToken.IsCancellationRequested)
        {
            RealtimeLog.CommandUnavailable(services.Logger, ex, UserId);
            await transport.EnqueueAsync(
                Frames.Error(ErrorCodes.Unavailable, unavailable, clientMsgId, conversationId, retryAfter: TimeSpan.FromSeconds(StorageFailure.RetryAfterSeconds)),
                cancellationToken);
        }
    }

    private Task SendAsync(SendFrame send, CancellationToken cancellationToken) =>
        RunAsync(
            async () =>
            {
                var (message, created) = await services.Sending.SendAsync(UserId, send.ConversationId, send.Message, cancellationToken);
                await transport.EnqueueAsync(Frames.Ack(send.ClientMsgId, created, message, services.Json), cancellationToken);
            },
            send.ClientMsgId,
            send.ConversationId,
            "The message was not stored; retry with the same clientMsgId.",
            cancellationToken);

    private Task ReceiptAsync(ReceiptFrame receipt, CancellationToken cancellationToken) =>
        RunAsync(
            async () =>
            {
                var marks = receipt.Read
                    ? await services.Messages.MarkReadAsync(UserId, receipt.ConversationId, receipt.Seq, cancellationToken)
                    : await services.Messages.MarkDeliveredAsync(UserId, receipt.ConversationId, receipt.Seq, cancellationToken);
                await transport.EnqueueAsync(Frames.Receipt(receipt.ConversationId, marks), cancellationToken);
            },
            null,
            receipt.ConversationId,
            "The receipt was not stored; send it again.",
            cancellationToken);

    private async Task TypingAsync(TypingFrame frame, CancellationToken cancellationToken)
    {
        var conversation = frame.ConversationId;
        var now = services.Clock.GetUtcNow();
        bool publish;
        lock (gate)
        {
            if (frame.Start)
            {
                publish = !typing.TryGetValue(conversation, out var last) || now - last >= TypingThrottle;
                typing[conversation] = now;
            }
            else
            {
                publish = typing.Remove(conversation);
            }

            // Start and stop alike spend from one budget per conversation, so alternating them costs no more than renewing.
            publish = publish && Spend(conversation, now);
        }

        if (!pump.IsFollowing(conversation))
        {
            await transport.EnqueueAsync(Frames.Error(ErrorCodes.ConversationNotFound, "There is no such conversation.", conversationId: conversation), cancellationToken);
            return;
        }

        if (publish)
        {
            await services.Hub.Presence.PublishTypingAsync(conversation, UserId, frame.Start);
        }
    }

    private bool Spend(Guid conversation, DateTimeOffset now)
    {
        var (start, count) = typingBudget.TryGetValue(conversation, out var budget) && now - budget.Start < TypingWindow ? budget : (now, 0);
        if (count >= services.Options.TypingFramesPerMinute)
        {
            return false;
        }

        typingBudget[conversation] = (start, count + 1);
        if (typingBudget.Count > 256)
        {
            // Only recent windows matter; old ones are dropped so the budget stays small.
            foreach (var stale in typingBudget.Where(b => now - b.Value.Start >= TypingWindow).Select(b => b.Key).ToList())
            {
                typingBudget.Remove(stale);
            }
        }

        return true;
    }

    private Task ResumeAsync(ResumeFrame resume)
    {
        var now = services.Clock.GetUtcNow();
        lock (gate)
        {
            while (resumes.Count > 0 && now - resumes.Peek() >= TimeSpan.FromMinutes(1))
            {
                resumes.Dequeue();
            }

            if (resumes.Count >= services.Options.ResumesPerMinute)
            {
                throw new BadFrameException(ErrorCodes.RateLimited, $"At most {services.Options.ResumesPerMinute} resume frames a minute.");
            }

            resumes.Enqueue(now);
        }

        pump.Resume(resume.Cursors);
        return Task.CompletedTask;
    }
}
