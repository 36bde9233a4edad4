using System.Globalization;
using System.Text;

namespace Confab.Chat.Realtime;

/// <summary>
/// What travels on the signal channel (PostgreSQL NOTIFY channel <c>confab</c>; in-process on SQLite): short
/// colon-separated text, encoded and decoded here only. The database encodes the first three itself when a change
/// commits (PostgreSQL: the trigger of migration 0002; SQLite: the TEMP triggers of <c>SqliteDatabase</c>), in
/// exactly the forms <see cref="Encode"/> writes; a node publishes the others.
/// <code>
/// c:&lt;conversation&gt;:&lt;seq&gt;            a conversation event committed
/// u:&lt;user&gt;:&lt;seq&gt;                    a user event committed
/// s:&lt;user&gt;:&lt;session family&gt;         a session was revoked
/// t:&lt;node&gt;:&lt;conversation&gt;:&lt;user&gt;:1|0   typing started or stopped
/// p:&lt;node&gt;:&lt;user&gt;:&lt;state&gt;           a node's view of a user's presence changed
/// h:&lt;node&gt;:&lt;state&gt;:&lt;user&gt;,&lt;user&gt;,…  a node's heartbeat: who is here in that state
/// </code>
/// </summary>
public abstract record Signal
{
    /// <summary>Users per heartbeat signal: keeps a payload well under NOTIFY's 8000 bytes.</summary>
    public const int HeartbeatChunk = 150;

    private Signal()
    {
    }

    public sealed record ConversationChanged(Guid ConversationId, long Seq) : Signal;

    public sealed record UserChanged(Guid UserId, long Seq) : Signal;

    public sealed record SessionRevoked(Guid UserId, Guid FamilyId) : Signal;

    public sealed record Typing(string Node, Guid ConversationId, Guid UserId, bool Started) : Signal;

    public sealed record Presence(string Node, Guid UserId, string State) : Signal;

    public sealed record Heartbeat(string Node, string State, IReadOnlyList<Guid> Users) : Signal;

    public static string Encode(Signal signal) => signal switch
    {
        ConversationChanged c => Invariant($"c:{c.ConversationId}:{c.Seq}"),
        UserChanged u => Invariant($"u:{u.UserId}:{u.Seq}"),
        SessionRevoked s => Invariant($"s:{s.UserId}:{s.FamilyId}"),
        Typing t => Invariant($"t:{t.Node}:{t.ConversationId}:{t.UserId}:{(t.Started ? 1 : 0)}"),
        Presence p => Invariant($"p:{p.Node}:{p.UserId}:{p.State}"),
        Heartbeat h => Invariant($"h:{h.Node}:{h.State}:") + Join(h.Users),
        _ => throw new ArgumentOutOfRangeException(nameof(signal)),
    };

    /// <summary>
    /// The signal, or null for a form this version does not know (another version's signal). A known form with bad
    /// fields is a <see cref="FormatException"/>.
    /// </summary>
    public static Signal? Decode(string payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var parts = payload.Split(':');
        return parts[0] switch
        {
            "c" when parts.Length == 3 => new ConversationChanged(Guid.Parse(parts[1]), Number(parts[2])),
            "u" when parts.Length == 3 => new UserChanged(Guid.Parse(parts[1]), Number(parts[2])),
            "s" when parts.Length == 3 => new SessionRevoked(Guid.Parse(parts[1]), Guid.Parse(parts[2])),
            "t" when parts.Length == 5 => new Typing(parts[1], Guid.Parse(parts[2]), Guid.Parse(parts[3]), parts[4] == "1"),
            "p" when parts.Length == 4 => new Presence(parts[1], Guid.Parse(parts[2]), parts[3]),
            "h" when parts.Length == 4 => new Heartbeat(
                parts[1], parts[2], parts[3].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).ToList()),
            _ => null,
        };
    }

    private static long Number(string text) => long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Join(IReadOnlyList<Guid> users)
    {
        var text = new StringBuilder(users.Count * 37);
        foreach (var id in users)
        {
            text.Append(id.ToString()).Append(',');
        }

        return text.ToString();
    }
}
