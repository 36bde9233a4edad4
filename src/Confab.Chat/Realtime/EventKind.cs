namespace Confab.Chat.Realtime;

/// <summary>
/// The kinds of a conversation's event log (<c>conversation_events.kind</c>). The schema's CHECK
/// <c>conversation_events_kind_values</c> lists the same words; docs/protocol.md explains each.
/// </summary>
public static class EventKind
{
    public const string MessageCreated = "message.created";
    public const string MessageEdited = "message.edited";
    public const string MessageDeleted = "message.deleted";
    public const string MessagePinned = "message.pinned";
    public const string MessageUnpinned = "message.unpinned";
    public const string ReactionAdded = "reaction.added";
    public const string ReactionRemoved = "reaction.removed";
    public const string ReceiptRead = "receipt.read";
    public const string ReceiptDelivered = "receipt.delivered";
    public const string MemberAdded = "member.added";
    public const string MemberRemoved = "member.removed";
    public const string MemberRoleChanged = "member.role_changed";
    public const string ConversationCreated = "conversation.created";
    public const string ConversationUpdated = "conversation.updated";
    public const string ConversationDeleted = "conversation.deleted";

    public static IReadOnlyList<string> All { get; } =
    [
        MessageCreated, MessageEdited, MessageDeleted, MessagePinned, MessageUnpinned, ReactionAdded, ReactionRemoved,
        ReceiptRead, ReceiptDelivered, MemberAdded, MemberRemoved, MemberRoleChanged, ConversationCreated, ConversationUpdated,
        ConversationDeleted,
    ];

    /// <summary>An edit or a deletion changes what earlier frames of the same message show.</summary>
    public static bool RewritesMessage(string kind) => kind is MessageEdited or MessageDeleted;
}

/// <summary>The kinds of a user's own event stream (<c>user_events.kind</c>, CHECK <c>user_events_kind_values</c>).</summary>
public static class UserEventKind
{
    public const string ContactRequested = "contact.requested";
    public const string ContactAccepted = "contact.accepted";
    public const string ContactDeclined = "contact.declined";
    public const string ContactRemoved = "contact.removed";
    public const string ContactBlocked = "contact.blocked";
    public const string ContactUnblocked = "contact.unblocked";
    public const string ConversationJoined = "conversation.joined";
    public const string ConversationLeft = "conversation.left";
    public const string SessionRevoked = "session.revoked";
    public const string ProfileUpdated = "profile.updated";

    public static IReadOnlyList<string> All { get; } =
    [
        ContactRequested, ContactAccepted, ContactDeclined, ContactRemoved, ContactBlocked, ContactUnblocked, ConversationJoined,
        ConversationLeft, SessionRevoked, ProfileUpdated,
    ];
}
