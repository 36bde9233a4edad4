using System.Threading.Channels;
using Confab.Chat.Realtime;

namespace Confab.Server.Realtime;

/// <summary>
/// The cursor state machine of one socket: which conversations it follows and the last seq it has queued of each,
/// plus its user stream's. Only the pump moves cursors, so a frame is queued once per seq, in seq order, whether it
/// comes from a replay or from a live change; signals only mark streams dirty and wake it.
/// </summary>
internal sealed class StreamPump(SocketConnection connection, SocketTransport transport, SocketServices services)
{
    public const int PageSize = 200;

    private readonly Lock gate = new();
    private readonly Dictionary<Guid, long> cursors = [];
    private readonly HashSet<Guid> dirty = [];
    private readonly Queue<IReadOnlyDictionary<Guid, long>> resumes = new();
    private readonly Channel<bool> wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private bool userDirty;
    private long userCursor;

    private Guid UserId => connection.UserId;

    private RealtimeOptions Options => services.Options;

    public IReadOnlyList<Guid> Following
    {
        get
        {
            lock (gate)
            {
                return cursors.Keys.ToList();
            }
        }
    }

    public bool IsFollowing(Guid conversationId)
    {
        lock (gate)
        {
            return cursors.ContainsKey(conversationId);
        }
    }

    /// <summary>A change committed in a conversation: read on from the cursor if this socket follows it.</summary>
    public void Wake(Guid conversationId)
    {
        lock (gate)
        {
            if (cursors.ContainsKey(conversationId))
            {
                dirty.Add(conversationId);
            }
        }

        wake.Writer.TryWrite(true);
    }

    public void WakeUser()
    {
        lock (gate)
        {
            userDirty = true;
        }

        wake.Writer.TryWrite(true);
    }

    /// <summary>Signals may have been lost: read every followed stream on from its cursor.</summary>
    public void WakeAll()
    {
        lock (gate)
        {
            dirty.UnionWith(cursors.Keys);
            userDirty = true;
        }

        wake.Writer.TryWrite(true);
    }

    /// <summary>The client asked to be positioned at these cursors (a resume frame).</summary>
    public void Resume(IReadOnlyDictionary<Guid, long> requested)
    {
        lock (gate)
        {
            resumes.Enqueue(requested);
        }

        wake.Writer.TryWrite(true);
    }

    /// <summary>
    /// Follows every conversation of the user, then tells the client where each stands. The second read of the
    /// positions catches changes that committed while the sockets were being registered.
    /// </summary>
    public async Task StartAsync(HelloFrame hello, CancellationToken cancellationToken)
    {
        var before = await services.Streams.PositionsAsync(UserId, cancellationToken);
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
                services.Hub.Connections.Follow(connection, conversation);
            }

            userCursor = hello.UserSeq ?? before.UserSeq;
            userDirty = hello.UserSeq is not null;
        }

        var now = await services.Streams.PositionsAsync(UserId, cancellationToken);
        await transport.EnqueueAsync(Frames.Ready(UserId, connection.SessionId, services.Hub.NodeId, now, Options), cancellationToken);

        lock (gate)
        {
            foreach (var (conversation, lastSeq) in now.Conversations)
            {
                // One joined in between is not followed yet: its conversation.joined user event follows it.
                if (cursors.TryGetValue(conversation, out var cursor) && lastSeq > cursor)
                {
                    dirty.Add(conversation);
                }
            }
        }

        Resume(requested);
    }

    /// <summary>Runs until the socket closes. A storage failure asks the client to reconnect (it resumes from its cursors).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await wake.Reader.WaitToReadAsync(cancellationToken))
            {
                wake.Reader.TryRead(out _);
                while (await PumpOnceAsync(cancellationToken))
                {
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Closing.
        }
        catch (Exception ex) when (Errors.StorageFailure.Is(ex))
        {
            RealtimeLog.PumpFailed(services.Logger, ex, UserId);
            await transport.CloseAsync(SocketClose.ServiceRestart, "database unavailable", announceReconnect: true);
        }
    }

    private async Task<bool> PumpOnceAsync(CancellationToken cancellationToken)
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
            return false;
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

        return true;
    }

    /// <summary>Positions the cursors a client asked for: replays what it lacks, or says "limited" when that is too much.</summary>
    private async Task ResumeAsync(IReadOnlyDictionary<Guid, long> requested, CancellationToken cancellationToken)
    {
        if (requested.Count == 0)
        {
            return;
        }

        var positions = await services.Streams.PositionsAsync(UserId, cancellationToken);
        foreach (var (conversation, after) in requested)
        {
            if (!positions.Conversations.TryGetValue(conversation, out var lastSeq))
            {
                await transport.EnqueueAsync(Frames.Error(ErrorCodes.ConversationNotFound, "There is no such conversation.", conversationId: conversation), cancellationToken);
                continue;
            }

            var cursor = after;
            if (lastSeq - after > Options.ReplayLimit || after > lastSeq)
            {
                await transport.EnqueueAsync(Frames.Limited(conversation, after, lastSeq, Options.ReplayLimit, PageSize), cancellationToken);
                cursor = lastSeq;
            }

            lock (gate)
            {
                if (!cursors.ContainsKey(conversation))
                {
                    services.Hub.Connections.Follow(connection, conversation);
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

            var events = await services.Cache.ReadAsync(UserId, conversation, after, PageSize, services.Json, cancellationToken);
            if (events is null)
            {
                Unfollow(conversation);
                return;
            }

            foreach (var (e, frame) in events)
            {
                await transport.EnqueueAsync(frame, cancellationToken);
                lock (gate)
                {
                    cursors[conversation] = e.Seq;
                }

                if (e.Kind == EventKind.ConversationDeleted
                    || (e.Kind == EventKind.MemberRemoved && EventPayload.Read<MemberChange>(e.Payload)?.UserId == UserId))
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

            var events = await services.Streams.ReadUserAsync(UserId, after, PageSize, cancellationToken);
            foreach (var e in events)
            {
                await transport.EnqueueAsync(Frames.UserEvent(e), cancellationToken);
                lock (gate)
                {
                    userCursor = e.Seq;
                }

                await FollowUserEventAsync(e, cancellationToken);
            }

            if (events.Count < PageSize)
            {
                return;
            }
        }
    }

    /// <summary>Joining starts following a conversation from the seq the event names; leaving stops it.</summary>
    private async Task FollowUserEventAsync(UserEvent e, CancellationToken cancellationToken)
    {
        connection.UserEventSeen(e);
        if (e.Kind == UserEventKind.ConversationJoined && EventPayload.Read<ConversationJoined>(e.Payload) is { } joined)
        {
            lock (gate)
            {
                if (!cursors.ContainsKey(joined.ConversationId))
                {
                    cursors[joined.ConversationId] = joined.AfterSeq;
                    services.Hub.Connections.Follow(connection, joined.ConversationId);
                }
            }

            await PumpConversationAsync(joined.ConversationId, cancellationToken);
        }
        else if (e.Kind == UserEventKind.ConversationLeft && EventPayload.Read<ConversationLeft>(e.Payload) is { } left)
        {
            Unfollow(left.ConversationId);
        }
    }

    private void Unfollow(Guid conversation)
    {
        lock (gate)
        {
            cursors.Remove(conversation);
            dirty.Remove(conversation);
        }

        services.Hub.Connections.Unfollow(connection, conversation);
    }
}
