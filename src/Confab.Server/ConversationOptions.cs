using System.ComponentModel.DataAnnotations;

namespace Confab.Server;

/// <summary>The <c>Conversations</c> section: bounds on group size (see <see cref="Chat.Conversations.ConversationLimits"/>).</summary>
public sealed class ConversationOptions
{
    public const string Section = "Conversations";

    /// <summary>The most current members of a group, its creator included.</summary>
    [Range(2, 100_000)]
    public int MaxGroupMembers { get; set; } = 1000;

    /// <summary>The most members one create or add may name.</summary>
    [Range(1, 1000)]
    public int MaxMembersPerChange { get; set; } = 100;

    public Chat.Conversations.ConversationLimits ToLimits() =>
        new() { MaxGroupMembers = MaxGroupMembers, MaxMembersPerChange = MaxMembersPerChange };
}
