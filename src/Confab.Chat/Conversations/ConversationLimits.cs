namespace Confab.Chat.Conversations;

/// <summary>
/// Bounds on group size. Creating a group or adding members writes one event and one user-log entry per member in a
/// single transaction, so both the size of a group and the members one change may name are bounded.
/// </summary>
public sealed record ConversationLimits
{
    /// <summary>The most current members a group may have, its creator included.</summary>
    public int MaxGroupMembers { get; init; } = 1000;

    /// <summary>The most members one create or add may name.</summary>
    public int MaxMembersPerChange { get; init; } = 100;
}
