namespace Confab.Chat.Messages;

/// <summary>A message as members read it. A deleted message keeps its place as a tombstone without content.</summary>
public sealed record MessageView
{
    public Guid Id { get; init; }

    public Guid ConversationId { get; init; }

    public long Seq { get; init; }

    public Guid? SenderId { get; init; }

    public string? ClientMsgId { get; init; }

    public string Kind { get; init; } = "text";

    public string? Body { get; init; }

    public byte[]? Ciphertext { get; init; }

    public Guid? ReplyToId { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime? EditedAt { get; init; }

    public DateTime? DeletedAt { get; init; }

    /// <summary>The reactions, by emoji in the order each first appeared; empty for a deleted message.</summary>
    public IReadOnlyList<ReactionSummary> Reactions { get; init; } = [];

    /// <summary>The attached files in the order they were uploaded; empty for a deleted message.</summary>
    public IReadOnlyList<AttachmentSummary> Attachments { get; init; } = [];

    internal const string Columns =
        "id, conversation_id, seq, sender_id, client_msg_id, kind, body, ciphertext, reply_to_id, created_at, edited_at, deleted_at";
}

/// <summary>What a client sends: text or ciphertext (never both), with its own id for safe retries.</summary>
public sealed record NewMessage(string? ClientMsgId, string? Body, byte[]? Ciphertext, Guid? ReplyTo)
{
    /// <summary>Uploads of the sender in this conversation, not yet attached to a message.</summary>
    public IReadOnlyList<Guid> AttachmentIds { get; init; } = [];
}

/// <summary>A page of history in seq order, and whether more lies beyond it in the direction asked.</summary>
public sealed record MessagePage(IReadOnlyList<MessageView> Items, bool HasMore);

/// <summary>A member's watermarks after a receipt, and what is still unread.</summary>
public sealed record Watermarks(long LastReadSeq, long LastDeliveredSeq, long UnreadCount);
