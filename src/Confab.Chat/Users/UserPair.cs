namespace Confab.Chat.Users;

/// <summary>
/// The order of a pair of users in contacts and direct conversations (low, high). PostgreSQL compares uuid values by
/// their bytes, which is the order of their lowercase text, and SQLite compares that text: both engines agree.
/// </summary>
public static class UserPair
{
    public static (Guid Low, Guid High) Order(Guid a, Guid b) =>
        string.CompareOrdinal(a.ToString("D"), b.ToString("D")) < 0 ? (a, b) : (b, a);
}
