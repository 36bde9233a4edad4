using System.Globalization;

namespace Confab.Server.Monitoring;

/// <summary>
/// Writes a measurement's tags as Prometheus labels (<c>a="x",b="y"</c>, sorted by name, values escaped) into a
/// per-thread buffer, so a measurement of a series that already exists is looked up without allocating: every
/// HTTP request and database write records several.
/// </summary>
internal static class PrometheusLabels
{
    [ThreadStatic]
    private static char[]? buffer;

    /// <summary>The labels of <paramref name="tags"/>, valid until the next call on this thread.</summary>
    public static ReadOnlySpan<char> Write(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        buffer ??= new char[256];
        Span<int> order = tags.Length <= 32 ? stackalloc int[tags.Length] : new int[tags.Length];
        for (var i = 0; i < order.Length; i++)
        {
            // Insertion sort by name: a handful of tags, and the same set in another order must be the same series.
            var j = i;
            while (j > 0 && string.CompareOrdinal(tags[order[j - 1]].Key, tags[i].Key) > 0)
            {
                order[j] = order[j - 1];
                j--;
            }

            order[j] = i;
        }

        var length = 0;
        foreach (var index in order)
        {
            if (length > 0)
            {
                Append(ref length, ',');
            }

            foreach (var c in tags[index].Key)
            {
                Append(ref length, char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
            }

            Append(ref length, '=');
            Append(ref length, '"');
            AppendValue(ref length, tags[index].Value);
            Append(ref length, '"');
        }

        return buffer.AsSpan(0, length);
    }

    private static void AppendValue(ref int length, object? value)
    {
        switch (value)
        {
            case null:
                return;
            case string text:
                AppendEscaped(ref length, text);
                return;
            case ISpanFormattable formattable:
                int written;
                while (!formattable.TryFormat(buffer.AsSpan(length), out written, default, CultureInfo.InvariantCulture))
                {
                    Grow(buffer!.Length * 2);
                }

                // Numbers and the like need no escaping, but a type's own format might.
                if (buffer.AsSpan(length, written).IndexOfAny('\\', '"', '\n') < 0)
                {
                    length += written;
                    return;
                }

                AppendEscaped(ref length, buffer.AsSpan(length, written).ToString());
                return;
            default:
                AppendEscaped(ref length, Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
                return;
        }
    }

    private static void AppendEscaped(ref int length, string text)
    {
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\':
                    Append(ref length, '\\');
                    Append(ref length, '\\');
                    break;
                case '"':
                    Append(ref length, '\\');
                    Append(ref length, '"');
                    break;
                case '\n':
                    Append(ref length, '\\');
                    Append(ref length, 'n');
                    break;
                default:
                    Append(ref length, c);
                    break;
            }
        }
    }

    private static void Append(ref int length, char c)
    {
        if (length == buffer!.Length)
        {
            Grow(buffer.Length * 2);
        }

        buffer[length++] = c;
    }

    private static void Grow(int size) => Array.Resize(ref buffer, size);
}
