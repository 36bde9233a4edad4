using System.Text.Json;

namespace Confab.Chat;

/// <summary>
/// The one rule for every piece of text a user hands the server (message bodies, titles, names, bios, search queries,
/// reactions, settings, ids of their own making): no U+0000 and no unpaired surrogate. PostgreSQL cannot store U+0000
/// in text or jsonb and an unpaired surrogate has no UTF-8 form, so such text failed deep in the driver as a 500;
/// SQLite would have kept it, so the two engines disagreed. Every store checks with this class before it writes or
/// queries, and the refusal is the same everywhere: <c>400 invalid_text</c> naming the field.
/// </summary>
public static class TextRules
{
    public const string InvalidTextCode = "invalid_text";

    /// <summary>True when <paramref name="value"/> (null counts as absent) can be stored alike by both engines.</summary>
    public static bool IsStorable(string? value)
    {
        if (value is null)
        {
            return true;
        }

        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Refuses <paramref name="value"/> with <c>invalid_text</c> on <paramref name="field"/> unless it is storable.</summary>
    public static void Require(string? value, string field)
    {
        if (!IsStorable(value))
        {
            throw Invalid(field);
        }
    }

    /// <summary>The same rule over every property name and string value of a JSON document (jsonb refuses <c>\u0000</c> too).</summary>
    public static void RequireJson(JsonElement element, string field)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Require(Decode(() => property.Name, field), field);
                    RequireJson(property.Value, field);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    RequireJson(item, field);
                }

                break;
            case JsonValueKind.String:
                Require(Decode(element.GetString, field), field);
                break;
        }
    }

    /// <summary>The string value of <paramref name="element"/>, refused with <c>invalid_text</c> unless storable.</summary>
    public static string ReadString(JsonElement element, string field)
    {
        var value = Decode(element.GetString, field) ?? string.Empty;
        Require(value, field);
        return value;
    }

    /// <summary>
    /// For metadata the server records but nobody typed as content (a device name, a user agent): what cannot be
    /// stored becomes U+FFFD instead of failing the request that carried it.
    /// </summary>
    public static string? Scrub(string? value)
    {
        if (IsStorable(value))
        {
            return value;
        }

        var chars = value!.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
            }
            else if (chars[i] == '\0' || char.IsSurrogate(chars[i]))
            {
                chars[i] = '\uFFFD';
            }
        }

        return new string(chars);
    }

    public static ChatException Invalid(string field) =>
        new(ChatErrorKind.Validation, InvalidTextCode, "Text may not contain U+0000 or unpaired surrogates.",
            new Dictionary<string, string[]> { [field] = ["must not contain U+0000 or unpaired surrogates"] });

    private static string? Decode(Func<string?> read, string field)
    {
        try
        {
            return read();
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json will not decode an escaped unpaired surrogate into a string.
            throw Invalid(field);
        }
    }
}
