using System.Globalization;
using System.Text;

namespace Confab.Chat;

/// <summary>An opaque keyset cursor over (time, id), newest first.</summary>
internal static class KeysetCursor
{
    public const string InvalidCursorCode = "invalid_cursor";

    public static string Encode(DateTime at, Guid id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{at.Ticks}:{id}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// The position a cursor names. Anything that is not a cursor this server could have given out — bad base64, a
    /// number that overflows or lies outside the calendar, a wrong id — is <c>400 invalid_cursor</c>, never a 500.
    /// </summary>
    public static (DateTime At, Guid Id) Decode(string cursor)
    {
        if (cursor.Length is 0 or > 200)
        {
            throw Invalid();
        }

        var padded = cursor.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        var bytes = new byte[padded.Length];
        if (!Convert.TryFromBase64String(padded, bytes, out var written))
        {
            throw Invalid();
        }

        var parts = Encoding.UTF8.GetString(bytes, 0, written).Split(':');
        if (parts.Length != 2
            || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTime.MaxValue.Ticks
            || !Guid.TryParseExact(parts[1], "D", out var id))
        {
            throw Invalid();
        }

        return (new DateTime(ticks, DateTimeKind.Utc), id);
    }

    private static ChatException Invalid() =>
        new(ChatErrorKind.Validation, InvalidCursorCode, "The cursor is not one this server gave out.",
            new Dictionary<string, string[]> { ["cursor"] = ["is not a cursor this server gave out"] });
}
