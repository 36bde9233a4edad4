using System.Collections.Concurrent;
using System.Text.Json;
using Confab.Chat.Realtime;
using Microsoft.Extensions.Options;

namespace Confab.Server.Realtime;

/// <summary>
/// The newest events of each busy conversation, with their frames already built, shared by this node's sockets:
/// when a change wakes ten followers, one of them reads it from the database and the other nine take it from
/// here. Only a contiguous run of seqs is kept, so a reader either gets exactly what follows its cursor or
/// goes to the database; nothing here can skip or repeat a seq. Bounded by bytes, not entries
/// (<see cref="RealtimeOptions.EventCacheMegabytes"/> in all; one conversation at most a 64th of it), so large
/// frames cannot pin memory: what does not fit is read from the database again.
/// </summary>
public sealed class EventCache
{
    private const int PerConversation = 256;

    private readonly ConcurrentDictionary<Guid, Window> windows = new();
    private readonly EventStreams streams;
    private readonly long budget;
    private readonly long perWindow;
    private long held;

    public EventCache(EventStreams streams, IOptions<RealtimeOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.streams = streams;
        budget = options.Value.EventCacheMegabytes * 1024L * 1024L;
        perWindow = Math.Max(64 * 1024, budget / 64);
    }

    /// <summary>Bytes the cache holds now (an estimate: frames, payloads and message bodies).</summary>
    public long HeldBytes => Interlocked.Read(ref held);

    /// <summary>A change committed with this seq (from a signal): a window that ends before it is not the end.</summary>
    public void Note(Guid conversationId, long seq)
    {
        if (windows.TryGetValue(conversationId, out var window))
        {
            window.Note(seq);
        }
    }

    /// <summary>Signals may have been missed: forget everything, so readers go to the database.</summary>
    public void Clear()
    {
        foreach (var key in windows.Keys)
        {
            Evict(key);
        }
    }

    /// <summary>
    /// Events after <paramref name="afterSeq"/> (at most <paramref name="limit"/>) with their frames; null when the
    /// user is not a member. Served from memory only for a socket that follows the conversation, i.e. whose
    /// membership was checked when it started following and which stops at its own removal event.
    /// </summary>
    public async Task<IReadOnlyList<(ConversationEvent Event, byte[] Frame)>?> ReadAsync(
        Guid userId, Guid conversationId, long afterSeq, int limit, JsonSerializerOptions json, CancellationToken cancellationToken)
    {
        var window = windows.GetOrAdd(conversationId, _ => new Window(this));
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
            if (HeldBytes > budget)
            {
                // Crude but bounded: drop whole windows (the one just filled last) rather than track recency.
                foreach (var key in windows.Keys.Where(k => k != conversationId).Append(conversationId))
                {
                    Evict(key);
                    if (HeldBytes <= budget * 3 / 4)
                    {
                        break;
                    }
                }
            }

            return result;
        }
        finally
        {
            window.Gate.Release();
        }
    }

    /// <summary>What an entry costs: its frame, and the event and message it was built from (UTF-16 strings).</summary>
    private static long Cost(ConversationEvent e, byte[] frame) =>
        256 + frame.Length + (2L * e.Payload.Length) + (2L * (e.Message?.Body?.Length ?? 0)) + (e.Message?.Ciphertext?.Length ?? 0);

    private void Evict(Guid conversationId)
    {
        if (windows.TryRemove(conversationId, out var window))
        {
            window.Release();
        }
    }

    private sealed class Window(EventCache owner)
    {
        private readonly List<(ConversationEvent Event, byte[] Frame)> items = [];
        private long bytes;
        private bool released;

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
                if (released)
                {
                    // Evicted while this read ran: a reader that kept it would hold bytes nobody counts.
                    return;
                }

                if (items.Count > 0 && read[^1].Event.Seq <= items[^1].Event.Seq && afterSeq != items[^1].Event.Seq)
                {
                    // An older run than the one held: keep the newer one.
                    return;
                }

                complete = reachedEnd;
                // An edit or deletion changes what earlier frames show: an edited or erased body must not be
                // replayed from memory, so the window restarts after it.
                if (read.Any(r => EventKind.RewritesMessage(r.Event.Kind))
                    || (items.Count > 0 && afterSeq != items[^1].Event.Seq))
                {
                    // Not adjacent to what is held: keep the newer run only.
                    ClearItems();
                }

                foreach (var item in read)
                {
                    items.Add(item);
                    Add(Cost(item.Event, item.Frame));
                }

                var drop = 0;
                var dropped = 0L;
                while (drop < items.Count && (items.Count - drop > PerConversation || bytes - dropped > owner.perWindow))
                {
                    dropped += Cost(items[drop].Event, items[drop].Frame);
                    drop++;
                }

                items.RemoveRange(0, drop);
                Add(-dropped);
            }
        }

        /// <summary>The window left the cache: its bytes no longer count.</summary>
        public void Release()
        {
            lock (items)
            {
                released = true;
                ClearItems();
            }
        }

        private void ClearItems()
        {
            items.Clear();
            Add(-bytes);
        }

        private void Add(long delta)
        {
            bytes += delta;
            Interlocked.Add(ref owner.held, delta);
        }
    }
}
