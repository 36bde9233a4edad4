namespace Confab.Chat.Conversations;

/// <summary>
/// Roles in a group, highest first: owner, admin, moderator, member. You may act on members whose role is below
/// yours and grant roles below yours; only an owner makes another owner.
/// </summary>
public static class Roles
{
    public const string Owner = "owner";
    public const string Admin = "admin";
    public const string Moderator = "moderator";
    public const string Member = "member";

    public static int Rank(string role) => role switch
    {
        Owner => 3,
        Admin => 2,
        Moderator => 1,
        Member => 0,
        _ => -1,
    };

    public static bool IsValid(string? role) => role is not null && Rank(role) >= 0;

    public static bool CanManageMembers(string role) => Rank(role) >= Rank(Admin);

    public static bool CanModerate(string role) => Rank(role) >= Rank(Moderator);

    /// <summary>Whether <paramref name="actor"/> may change a member who holds <paramref name="target"/> into <paramref name="granted"/>.</summary>
    public static bool CanChange(string actor, string target, string granted) =>
        CanManageMembers(actor) && Rank(target) < Rank(actor) && (Rank(granted) < Rank(actor) || actor == Owner);
}
