using System.Globalization;
using System.Text;

namespace Confab.Chat;

/// <summary>An opaque keyset cursor over (time, id), newest first.</summary>
internal static class KeysetCursor
{
    public static string Encode(DateTime at, Guid id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{at.Ticks}:{id}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static (DateTime At, Guid Id) Decode(string cursor)
    {
        try
        {
            var padded = cursor.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split(':');
            return (new DateTime(long.Parse(parts[0], CultureInfo.InvariantCulture), DateTimeKind.Utc), Guid.Parse(parts[1]));
        }
        catch (Exception ex) when (ex is FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            throw ChatException.Invalid("cursor", "is not a cursor this server gave out");
        }
    }
}
