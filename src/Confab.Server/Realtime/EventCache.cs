using System.Collections.Concurrent;
using System.Text.Json;
using Confab.Chat.Realtime;

namespace Confab.Server.Realtime;

/// <summary>
/// The newest events of each busy conversation, with their frames already built, shared by this node's sockets:
/// when a change wakes ten followers, one of them reads it from the database and the other nine take it from
/// here. Only a contiguous run of seqs is kept, so a reader either gets exactly what follows its cursor or
/// goes to the database; nothing here can skip or repeat a seq.
/// </summary>
public sealed class EventCache(EventStreams streams)
{
    private const int PerConversation = 256;
    private const int MaxConversations = 20_000;

    private readonly ConcurrentDictionary<Guid, Window> windows = new();

    /// <summary>A change committed with this seq (from a signal): a window that ends before it is not the end.</summary>
    public void Note(Guid conversationId, long seq)
    {
        if (windows.TryGetValue(conversationId, out var window))
        {
            window.Note(seq);
        }
    }

    /// <summary>Signals may have been missed: forget everything, so readers go to the database.</summary>
    public void Clear() => windows.Clear();

    /// <summary>
    /// Events after <paramref name="afterSeq"/> (at most <paramref name="limit"/>) with their frames; null when the
    /// user is not a member. Served from memory only for a socket that follows the conversation, i.e. whose
    /// membership was checked when it started following and which stops at its own removal event.
    /// </summary>
    public async Task<IReadOnlyList<(ConversationEvent Event, byte[] Frame)>?> ReadAsync(
        Guid userId, Guid conversationId, long afterSeq, int limit, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        var window = windows.GetOrAdd(conversationId, _ => new Window());
        if (window.TryServe(afterSeq, limit) is { } hit)
        {
            return hit;
        }

        await window.Gate.WaitAsync(cancellationToken);
        try
        {
            // Another follower may have read it while this one waited.
            if (window.TryServe(afterSeq, limit) is { } filled)
            {
                return filled;
            }

            var events = await streams.ReadAsync(userId, conversationId, afterSeq, limit, cancellationToken);
            if (events is null)
            {
                return null;
            }

            var result = events.Select(e => (e, Frames.Event(e, json))).ToList();
            window.Append(afterSeq, result, reachedEnd: result.Count < limit);
            if (windows.Count > MaxConversations)
            {
                // Crude but bounded: start over rather than track recency per conversation.
                windows.Clear();
            }

            return result;
        }
        finally
        {
            window.Gate.Release();
        }
    }

    private sealed class Window
    {
        private readonly List<(ConversationEvent Event, byte[] Frame)> items = [];

        // True when the last read that ended the window reached the end of the log at that moment; a signal
        // for a later seq makes the window's end stale again.
        private bool complete;
        private long signalled;

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public void Note(long seq)
        {
            lock (items)
            {
                signalled = Math.Max(signalled, seq);
            }
        }

        /// <summary>
        /// What follows <paramref name="afterSeq"/>: a full page, or a shorter one only when the window is known to
        /// reach the end of the log (a short page tells the reader it is done).
        /// </summary>
        public IReadOnlyList<(ConversationEvent, byte[])>? TryServe(long afterSeq, int limit)
        {
            lock (items)
            {
                if (items.Count == 0 || afterSeq < items[0].Event.Seq - 1 || afterSeq >= items[^1].Event.Seq)
                {
                    return null;
                }

                var start = (int)(afterSeq - (items[0].Event.Seq - 1));
                var available = items.Count - start;
                if (available < limit && !(complete && items[^1].Event.Seq >= signalled))
                {
                    return null;
                }

                return items.Skip(start).Take(limit).ToList();
            }
        }

        /// <summary>Adds events read after <paramref name="afterSeq"/>, keeping the run contiguous.</summary>
        public void Append(long afterSeq, List<(ConversationEvent Event, byte[] Frame)> read, bool reachedEnd)
        {
            if (read.Count == 0)
            {
                return;
            }

            lock (items)
            {
                if (items.Count > 0 && read[^1].Event.Seq <= items[^1].Event.Seq && afterSeq != items[^1].Event.Seq)
                {
                    // An older run than the one held: keep the newer one.
                    return;
                }

                complete = reachedEnd;
                // An edit or deletion changes what earlier frames show: an edited or erased body must not be
                // replayed from memory, so the window restarts after it.
                if (read.Any(r => EventKind.RewritesMessage(r.Event.Kind)))
                {
                    items.Clear();
                }

                if (items.Count > 0 && afterSeq != items[^1].Event.Seq)
                {
                    // Not adjacent to what is held: keep the newer run only.
                    items.Clear();
                }

                items.AddRange(read);
                if (items.Count > PerConversation)
                {
                    items.RemoveRange(0, items.Count - PerConversation);
                }
            }
        }
    }
}
