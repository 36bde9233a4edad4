using System.Globalization;

namespace Confab.Storage.Engines;

/// <summary>
/// How values without a native SQLite type are stored. Instants are UTC text with exactly six fractional
/// digits, so they sort as text, read well in the sqlite3 shell and round-trip microseconds exactly.
/// UUIDs are lowercase canonical text; booleans are 0 and 1.
/// </summary>
public static class SqliteValues
{
    public const string InstantFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>The SQL expression for "now" in the stored format; strftime gives milliseconds, padded to six digits.</summary>
    public const string NowExpression = "strftime('%Y-%m-%dT%H:%M:%f000Z','now')";

    public static string Instant(DateTime value)
    {
        var utc = value.Kind switch
        {
            DateTimeKind.Utc => value,
            DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
            _ => value.ToUniversalTime(),
        };

        // Microsecond precision, as PostgreSQL's timestamptz: drop the last tick digit.
        utc = new DateTime(utc.Ticks - (utc.Ticks % 10), DateTimeKind.Utc);
        return utc.ToString(InstantFormat, CultureInfo.InvariantCulture);
    }

    public static string Instant(DateTimeOffset value) => Instant(value.UtcDateTime);

    public static DateTime ParseInstant(string text) =>
        DateTime.ParseExact(text, InstantFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

    public static string Uuid(Guid value) => value.ToString("D", CultureInfo.InvariantCulture);
}
