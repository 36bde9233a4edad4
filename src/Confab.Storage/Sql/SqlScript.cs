using System.Text;

namespace Confab.Storage.Sql;

/// <summary>
/// Splits a migration file into statements so that each runs, and fails, on its own with its line number.
/// It knows the lexical rules that can hide a semicolon: quotes, comments, PostgreSQL dollar quoting
/// and the BEGIN ... END body of an SQLite trigger.
/// </summary>
public static class SqlScript
{
    public static IReadOnlyList<SqlStatement> Split(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var statements = new List<SqlStatement>();
        var current = new StringBuilder();
        var line = 1;
        var startLine = 0;
        var blockDepth = 0;
        var inTrigger = false;
        var i = 0;
        while (i < script.Length)
        {
            var c = script[i];
            var skipped = SkipLiteralOrComment(script, i);
            if (skipped > i)
            {
                var chunk = script[i..skipped];
                if (!IsComment(chunk) && startLine == 0)
                {
                    startLine = line;
                }

                if (!IsComment(chunk) || current.Length > 0)
                {
                    current.Append(chunk);
                }

                line += chunk.Count(ch => ch == '\n');
                i = skipped;
                continue;
            }

            if (char.IsLetter(c) || c == '_')
            {
                var end = i;
                while (end < script.Length && (char.IsLetterOrDigit(script[end]) || script[end] == '_'))
                {
                    end++;
                }

                var word = script[i..end];
                if (startLine == 0)
                {
                    startLine = line;
                }

                TrackBlocks(word, current, ref inTrigger, ref blockDepth);
                current.Append(word);
                i = end;
                continue;
            }

            if (c == ';' && blockDepth == 0)
            {
                Flush(statements, current, startLine);
                startLine = 0;
                inTrigger = false;
                i++;
                continue;
            }

            if (c == '\n')
            {
                line++;
            }

            if (!char.IsWhiteSpace(c) && startLine == 0)
            {
                startLine = line;
            }

            if (current.Length > 0 || !char.IsWhiteSpace(c))
            {
                current.Append(c);
            }

            i++;
        }

        Flush(statements, current, startLine);
        return statements;
    }

    // Inside CREATE TRIGGER, BEGIN/CASE open a block and END closes one; a semicolon only ends the statement outside them.
    private static void TrackBlocks(string word, StringBuilder current, ref bool inTrigger, ref int depth)
    {
        if (!inTrigger)
        {
            if (word.Equals("TRIGGER", StringComparison.OrdinalIgnoreCase)
                && current.ToString().TrimStart().StartsWith("CREATE", StringComparison.OrdinalIgnoreCase))
            {
                inTrigger = true;
            }

            return;
        }

        if (word.Equals("BEGIN", StringComparison.OrdinalIgnoreCase) || word.Equals("CASE", StringComparison.OrdinalIgnoreCase))
        {
            depth++;
        }
        else if (word.Equals("END", StringComparison.OrdinalIgnoreCase) && depth > 0)
        {
            depth--;
        }
    }

    private static bool IsComment(string chunk) => chunk.StartsWith("--", StringComparison.Ordinal) || chunk.StartsWith("/*", StringComparison.Ordinal);

    private static void Flush(List<SqlStatement> statements, StringBuilder current, int startLine)
    {
        var text = current.ToString().Trim();
        if (text.Length > 0)
        {
            statements.Add(new SqlStatement(text, startLine == 0 ? 1 : startLine));
        }

        current.Clear();
    }

    /// <summary>Returns the index after a literal or comment starting at <paramref name="i"/>, or <paramref name="i"/> when none starts there.</summary>
    private static int SkipLiteralOrComment(string s, int i)
    {
        var c = s[i];
        if (c == '-' && i + 1 < s.Length && s[i + 1] == '-')
        {
            var end = s.IndexOf('\n', i);
            return end < 0 ? s.Length : end;
        }

        if (c == '/' && i + 1 < s.Length && s[i + 1] == '*')
        {
            var end = s.IndexOf("*/", i + 2, StringComparison.Ordinal);
            return end < 0 ? s.Length : end + 2;
        }

        if (c is '\'' or '"' or '`')
        {
            var j = i + 1;
            while (j < s.Length)
            {
                if (s[j] == c)
                {
                    // A doubled quote is an escaped quote.
                    if (j + 1 < s.Length && s[j + 1] == c)
                    {
                        j += 2;
                        continue;
                    }

                    return j + 1;
                }

                j++;
            }

            return s.Length;
        }

        if (c == '$')
        {
            var tagEnd = i + 1;
            while (tagEnd < s.Length && (char.IsLetterOrDigit(s[tagEnd]) || s[tagEnd] == '_'))
            {
                tagEnd++;
            }

            if (tagEnd < s.Length && s[tagEnd] == '$' && (tagEnd == i + 1 || !char.IsDigit(s[i + 1])))
            {
                var tag = s[i..(tagEnd + 1)];
                var close = s.IndexOf(tag, tagEnd + 1, StringComparison.Ordinal);
                return close < 0 ? s.Length : close + tag.Length;
            }
        }

        return i;
    }
}
