using System.Globalization;
using System.Text;

namespace Confab.Chat.Messages;

/// <summary>
/// A reaction is one emoji: a single user-perceived character built only from emoji code points and the joiners,
/// variation selectors, skin tones, keycaps and tags that emoji sequences use.
/// </summary>
public static class Emoji
{
    public static bool IsReaction(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 32 || new StringInfo(value).LengthInTextElements != 1)
        {
            return false;
        }

        // One grapheme can be stretched without end (tags and joiners), which would make every reaction distinct:
        // the longest real emoji sequences (kiss with skin tones, subdivision flags) have 10 code points, and tags
        // only spell a subdivision flag: after the black flag, a few letters and the cancel tag.
        var runes = value.EnumerateRunes().ToList();
        if (runes.Count > MaxCodePoints || !TagsSpellAFlag(runes))
        {
            return false;
        }

        var hasEmoji = false;
        foreach (var rune in value.EnumerateRunes())
        {
            if (IsPictographic(rune))
            {
                hasEmoji = true;
            }
            else if (!IsModifier(rune) && !(rune.Value is '#' or '*' || Rune.IsDigit(rune)))
            {
                return false;
            }
        }

        // A bare digit, # or * is not an emoji; with a keycap it is.
        return hasEmoji || value.EnumerateRunes().Any(r => r.Value == 0x20E3);
    }

    /// <summary>The most code points a reaction has.</summary>
    public const int MaxCodePoints = 10;

    private static bool TagsSpellAFlag(List<Rune> runes)
    {
        var firstTag = runes.FindIndex(IsTag);
        if (firstTag < 0)
        {
            return true;
        }

        var tags = runes.Count - firstTag;
        return firstTag == 1 && runes[0].Value == 0x1F3F4 && tags is >= 3 and <= 7
            && runes.Skip(firstTag).All(IsTag) && runes[^1].Value == 0xE007F && runes.SkipLast(1).All(r => r.Value != 0xE007F);
    }

    private static bool IsTag(Rune rune) => rune.Value is >= 0xE0020 and <= 0xE007F;

    private static bool IsPictographic(Rune rune) => rune.Value switch
    {
        >= 0x1F000 and <= 0x1FAFF => true,   // pictographs, emoticons, transport, supplemental symbols, flags' regional indicators
        >= 0x2600 and <= 0x27BF => true,     // miscellaneous symbols and dingbats
        >= 0x2B00 and <= 0x2BFF => true,     // arrows and stars (⭐, ⬆)
        >= 0x2190 and <= 0x21FF => true,     // arrows used as emoji (↔)
        >= 0x2300 and <= 0x23FF => true,     // technical (⌚, ⏰)
        0x00A9 or 0x00AE or 0x203C or 0x2049 or 0x2122 or 0x2139 or 0x3030 or 0x303D or 0x3297 or 0x3299 => true,
        _ => false,
    };

    private static bool IsModifier(Rune rune) => rune.Value switch
    {
        0x200D => true,                      // zero-width joiner
        0xFE0F or 0xFE0E => true,            // variation selectors
        0x20E3 => true,                      // combining keycap
        >= 0xE0020 and <= 0xE007F => true,   // tags (subdivision flags)
        _ => false,
    };
}
