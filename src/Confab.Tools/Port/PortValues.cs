using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using Confab.Storage.Engines;
using Confab.Storage.Schema;

namespace Confab.Tools.Port;

/// <summary>
/// Reads a column of either engine into the plain .NET value its logical type stands for (Guid, UTC DateTime,
/// bool, short/int/long, string, <see cref="JsonText"/>, byte[]), which the bulk writers of both engines take.
/// Also turns key values into text for checkpoints and back, in the form the source engine compares.
/// </summary>
internal static class PortValues
{
    public static object? Read(DbDataReader reader, int ordinal, LogicalType type, bool sqlite)
    {
        if (reader.IsDBNull(ordinal))
        {
            return null;
        }

        if (!sqlite)
        {
            return type switch
            {
                LogicalType.Json => new JsonText(reader.GetString(ordinal)),
                LogicalType.Timestamp => reader.GetFieldValue<DateTime>(ordinal),
                _ => reader.GetValue(ordinal),
            };
        }

        return type switch
        {
            LogicalType.Uuid => Guid.ParseExact(reader.GetString(ordinal), "D"),
            LogicalType.Timestamp => ParseInstant(reader.GetString(ordinal)),
            LogicalType.Boolean => reader.GetInt64(ordinal) != 0,
            LogicalType.Int16 => checked((short)reader.GetInt64(ordinal)),
            LogicalType.Int32 => checked((int)reader.GetInt64(ordinal)),
            LogicalType.Int64 => reader.GetInt64(ordinal),
            LogicalType.Json => new JsonText(reader.GetString(ordinal)),
            LogicalType.Bytes => reader.GetFieldValue<byte[]>(ordinal),
            LogicalType.Double => reader.GetDouble(ordinal),
            LogicalType.Decimal => reader.GetDecimal(ordinal),
            _ => reader.GetString(ordinal),
        };
    }

    /// <summary>Confab's stored instant format, parsed without the general parser: it is the hot path of a port out of SQLite.</summary>
    public static DateTime ParseInstant(string text)
    {
        // yyyy-MM-ddTHH:mm:ss.ffffffZ
        if (text.Length != 27 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != '.' || text[26] != 'Z')
        {
            return SqliteValues.ParseInstant(text);
        }

        var value = new DateTime(Digits(text, 0, 4), Digits(text, 5, 2), Digits(text, 8, 2), Digits(text, 11, 2), Digits(text, 14, 2), Digits(text, 17, 2), DateTimeKind.Utc);
        return value.AddTicks(Digits(text, 20, 6) * 10L);
    }

    /// <summary>True when the text is an instant in Confab's stored format.</summary>
    public static bool IsInstant(string text)
    {
        try
        {
            _ = ParseInstant(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>A key value as checkpoint text (the source engine's own representation, so comparisons agree).</summary>
    public static JsonElement ToCheckpoint(object? value) => value switch
    {
        null => JsonSerializer.SerializeToElement<object?>(null),
        long or int or short => JsonSerializer.SerializeToElement(Convert.ToInt64(value, CultureInfo.InvariantCulture)),
        Guid g => JsonSerializer.SerializeToElement(g.ToString("D", CultureInfo.InvariantCulture)),
        DateTime dt => JsonSerializer.SerializeToElement(SqliteValues.Instant(dt)),
        byte[] bytes => JsonSerializer.SerializeToElement(Convert.ToHexStringLower(bytes)),
        _ => JsonSerializer.SerializeToElement(Convert.ToString(value, CultureInfo.InvariantCulture)),
    };

    /// <summary>A checkpoint value back as a parameter for the source engine.</summary>
    public static object FromCheckpoint(JsonElement value, LogicalType type, bool sqlite) => type switch
    {
        LogicalType.Int16 or LogicalType.Int32 or LogicalType.Int64 or LogicalType.Boolean when value.ValueKind == JsonValueKind.Number => value.GetInt64(),
        LogicalType.Uuid when !sqlite => Guid.Parse(value.GetString()!),
        LogicalType.Timestamp when !sqlite => ParseInstant(value.GetString()!),
        LogicalType.Bytes => Convert.FromHexString(value.GetString()!),
        _ => value.ValueKind == JsonValueKind.Number ? value.GetInt64() : value.GetString()!,
    };

    /// <summary>A canonical value (see ContentChecksum) back as a parameter for the given engine.</summary>
    public static object FromCanonical(string canonical, LogicalType type, bool sqlite) => type switch
    {
        LogicalType.Int16 or LogicalType.Int32 or LogicalType.Int64 => long.Parse(canonical, CultureInfo.InvariantCulture),
        LogicalType.Boolean => sqlite ? long.Parse(canonical, CultureInfo.InvariantCulture) : canonical == "1",
        LogicalType.Uuid when !sqlite => Guid.Parse(canonical),
        LogicalType.Timestamp when !sqlite => ParseInstant(canonical),
        LogicalType.Bytes => Convert.FromHexString(canonical),
        _ => canonical,
    };

    private static int Digits(string text, int start, int count)
    {
        var value = 0;
        for (var i = start; i < start + count; i++)
        {
            var digit = text[i] - '0';
            if ((uint)digit > 9)
            {
                throw new FormatException($"'{text}' is not an instant");
            }

            value = (value * 10) + digit;
        }

        return value;
    }
}
