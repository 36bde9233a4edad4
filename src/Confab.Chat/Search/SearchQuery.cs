using System.Globalization;
using System.Text;

namespace Confab.Chat.Search;

/// <summary>
/// A search text split into terms. Every term must occur in a message, case-insensitively. A term is
/// "word-like" when it is letters and digits outside the scripts written without spaces (Han, kana, Hangul):
/// PostgreSQL can then match it as a word prefix through its tsvector index; other terms match as substrings.
/// </summary>
public sealed record SearchQuery(IReadOnlyList<string> Terms)
{
    public const int MaxLength = 200;
    public const int MaxTerms = 10;

    /// <summary>Both engines' trigram indexes need three characters; shorter terms are matched by scanning.</summary>
    public const int MinIndexedLength = 3;

    public static SearchQuery Parse(string? text)
    {
        TextRules.Require(text, "q");
        var trimmed = text?.Trim() ?? string.Empty;
        if (trimmed.Length == 0 || trimmed.Length > MaxLength)
        {
            throw ChatException.Invalid("q", $"must be 1 to {MaxLength} characters");
        }

        if (trimmed.Any(char.IsControl))
        {
            throw ChatException.Invalid("q", "must not contain control characters");
        }

        var terms = trimmed.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (terms.Count > MaxTerms)
        {
            throw ChatException.Invalid("q", $"use at most {MaxTerms} words");
        }

        return new SearchQuery(terms);
    }

    public static int Length(string term) => term.EnumerateRunes().Count();

    public static bool IsWordLike(string term) =>
        term.EnumerateRunes().All(r => Rune.IsLetterOrDigit(r) && !IsSpacelessScript(r));

    /// <summary>A LIKE pattern that finds <paramref name="term"/> anywhere, with LIKE's own wildcards escaped by '\'.</summary>
    public static string Contains(string term) =>
        "%" + term.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal) + "%";

    private static bool IsSpacelessScript(Rune rune) => rune.Value switch
    {
        >= 0x2E80 and <= 0x9FFF => true,    // CJK radicals, kana, CJK ideographs
        >= 0xAC00 and <= 0xD7AF => true,    // Hangul syllables
        >= 0xF900 and <= 0xFAFF => true,    // CJK compatibility ideographs
        >= 0x20000 and <= 0x3FFFF => true,  // CJK extensions
        _ => Rune.GetUnicodeCategory(rune) == UnicodeCategory.OtherLetter && rune.Value >= 0x0E00 && rune.Value <= 0x0EFF, // Thai, Lao
    };
}
