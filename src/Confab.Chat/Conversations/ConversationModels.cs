namespace Confab.Chat.Conversations;

/// <summary>A conversation as one of its members sees it.</summary>
public sealed record ConversationView
{
    public Guid Id { get; init; }

    public string Kind { get; init; } = "direct";

    public string? Title { get; init; }

    public string Role { get; init; } = "member";

    public long LastSeq { get; init; }

    public long MessageCount { get; init; }

    public long LastReadSeq { get; init; }

    public long LastDeliveredSeq { get; init; }

    /// <summary>Messages after the member's read watermark: message_count - last_read_message_count.</summary>
    public long UnreadCount { get; init; }

    public DateTime? MutedUntil { get; init; }

    public DateTime LastActivityAt { get; init; }

    public DateTime CreatedAt { get; init; }

    /// <summary>For a direct conversation, the other member.</summary>
    public Guid? OtherUserId { get; init; }

    /// <summary>For a direct conversation, the other member's username (null once that account is erased).</summary>
    public string? OtherUsername { get; init; }

    /// <summary>For a direct conversation, the other member's display name ("Deleted user" once erased): the title a client shows.</summary>
    public string? OtherDisplayName { get; init; }

    public MessagePreview? LastMessage { get; init; }
}

public sealed record MessagePreview(Guid Id, long Seq, Guid? SenderId, string Kind, string? Body, DateTime CreatedAt, bool Deleted)
{
    /// <summary>The sender's display name ("Deleted user" once erased), for previews such as "Bob: see you".</summary>
    public string? SenderName { get; init; }
}

/// <summary>A page of conversations and the cursor of the next page (null at the end).</summary>
public sealed record ConversationPage(IReadOnlyList<ConversationView> Items, string? NextCursor);

public sealed record NewConversation(string? Kind, IReadOnlyList<Guid>? Members, string? Title);
