using System.Globalization;

namespace Confab.Tools.Health;

/// <summary>Facts about SQLite library versions that decide what doctor reports.</summary>
internal static class SqliteLibrary
{
    /// <summary>The first release with the fix for the WAL-reset corruption bug.</summary>
    public static readonly Version WalResetFix = new(3, 51, 3);

    /// <summary>Whether a <c>sqlite_version()</c> string names a library at or after <see cref="WalResetFix"/>.</summary>
    public static bool HasWalResetFix(string version)
    {
        var parts = version.Split('.');
        if (parts.Length < 2 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            return false;
        }

        var numbers = parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).Concat([0, 0]).Take(3).ToArray();
        return new Version(numbers[0], numbers[1], numbers[2]) >= WalResetFix;
    }
}
