using Confab.Tools.Seeding;

namespace Confab.Tools.Synthetic;

/// <summary>The rows of a batch of whole conversations, in the order they must be written.</summary>
internal sealed class SyntheticChunk
{
    public RowSet Messages { get; } = new("messages",
        "id", "conversation_id", "seq", "message_number", "sender_id", "client_msg_id", "kind", "body", "ciphertext",
        "reply_to_id", "metadata", "created_at", "edited_at", "deleted_at", "deleted_by");

    public RowSet Edits { get; } = new("message_edits", "message_id", "version", "previous_body", "previous_ciphertext", "edited_by", "edited_at");

    public RowSet Reactions { get; } = new("reactions", "message_id", "user_id", "emoji", "created_at");

    public RowSet Events { get; } = new("conversation_events", "conversation_id", "seq", "kind", "actor_id", "message_id", "payload", "created_at");

    public RowSet Participants { get; } = new("participants",
        "conversation_id", "user_id", "role", "joined_at", "joined_seq", "left_at", "muted_until",
        "last_read_seq", "last_read_message_count", "last_delivered_seq", "updated_at");

    public List<ConversationTotals> Totals { get; } = [];

    public long MessageCount => Messages.Rows.Count;

    public IEnumerable<RowSet> InWriteOrder => [Messages, Edits, Reactions, Events, Participants];
}

/// <summary>The counters of a generated conversation, written once its messages are in.</summary>
internal sealed record ConversationTotals(Guid Id, long LastSeq, long MessageCount, DateTime? LastMessageAt, DateTime LastActivityAt);
