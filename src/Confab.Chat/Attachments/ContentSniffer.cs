using System.Buffers.Binary;
using System.Text;

namespace Confab.Chat.Attachments;

/// <summary>
/// Decides an upload's type from its first bytes — the header a client sends is only a claim — and reads image
/// dimensions where the format puts them near the start.
/// </summary>
public static class ContentSniffer
{
    /// <summary>How many leading bytes sniffing needs.</summary>
    public const int HeaderLength = 4096;

    public static readonly IReadOnlySet<string> Allowed = new HashSet<string>(StringComparer.Ordinal)
    {
        "image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "text/plain",
    };

    /// <summary>The allowed types that are pictures.</summary>
    public static readonly IReadOnlySet<string> Images = new HashSet<string>(StringComparer.Ordinal)
    {
        "image/jpeg", "image/png", "image/gif", "image/webp",
    };

    /// <summary>The type the bytes are, or null when they are none of the allowed types.</summary>
    public static string? Sniff(ReadOnlySpan<byte> head, bool complete)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return "image/png";
        }

        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xD8, 0xFF]))
        {
            return "image/jpeg";
        }

        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
        {
            return "image/gif";
        }

        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..12].SequenceEqual("WEBP"u8))
        {
            return "image/webp";
        }

        if (head.StartsWith("%PDF-"u8))
        {
            return "application/pdf";
        }

        return IsText(head, complete) ? "text/plain" : null;
    }

    /// <summary>
    /// Width and height for PNG, GIF, WebP (lossy, lossless and extended) and baseline or progressive JPEG; null when
    /// unknown. A JPEG's frame header can follow long metadata (a camera's EXIF), so give as much of it as there is.
    /// </summary>
    public static (int Width, int Height)? Dimensions(string type, ReadOnlySpan<byte> head)
    {
        switch (type)
        {
            case "image/png" when head.Length >= 24:
                return Positive(BinaryPrimitives.ReadInt32BigEndian(head[16..]), BinaryPrimitives.ReadInt32BigEndian(head[20..]));
            case "image/gif" when head.Length >= 10:
                return Positive(BinaryPrimitives.ReadUInt16LittleEndian(head[6..]), BinaryPrimitives.ReadUInt16LittleEndian(head[8..]));
            case "image/webp" when head.Length >= 30 && head[12..16].SequenceEqual("VP8X"u8):
                return Positive(1 + (head[24] | (head[25] << 8) | (head[26] << 16)), 1 + (head[27] | (head[28] << 8) | (head[29] << 16)));
            case "image/webp" when head.Length >= 30 && head[12..16].SequenceEqual("VP8 "u8) && head[23..26].SequenceEqual((ReadOnlySpan<byte>)[0x9D, 0x01, 0x2A]):
                // A lossy key frame: 14 bits of width and of height after the start code (the top two bits are scaling).
                return Positive(BinaryPrimitives.ReadUInt16LittleEndian(head[26..]) & 0x3FFF, BinaryPrimitives.ReadUInt16LittleEndian(head[28..]) & 0x3FFF);
            case "image/webp" when head.Length >= 25 && head[12..16].SequenceEqual("VP8L"u8) && head[20] == 0x2F:
                // Lossless: after the signature byte, width - 1 and height - 1 in 14 bits each.
                var bits = BinaryPrimitives.ReadUInt32LittleEndian(head[21..]);
                return Positive(1 + (int)(bits & 0x3FFF), 1 + (int)((bits >> 14) & 0x3FFF));
            case "image/jpeg":
                return JpegDimensions(head);
            default:
                return null;
        }
    }

    private static (int, int)? JpegDimensions(ReadOnlySpan<byte> data)
    {
        var i = 2;
        while (i + 9 < data.Length)
        {
            if (data[i] != 0xFF)
            {
                return null;
            }

            var marker = data[i + 1];
            var length = BinaryPrimitives.ReadUInt16BigEndian(data[(i + 2)..]);
            if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                return Positive(BinaryPrimitives.ReadUInt16BigEndian(data[(i + 7)..]), BinaryPrimitives.ReadUInt16BigEndian(data[(i + 5)..]));
            }

            i += 2 + length;
        }

        return null;
    }

    private static (int, int)? Positive(int width, int height) => width > 0 && height > 0 ? (width, height) : null;

    /// <summary>UTF-8 text without NUL or control characters other than tab and line breaks.</summary>
    private static bool IsText(ReadOnlySpan<byte> head, bool complete)
    {
        if (head.IsEmpty)
        {
            return false;
        }

        // A sniff window may end inside a multi-byte character; only a complete file must end cleanly.
        var checkedPart = complete ? head : head[..Math.Max(0, head.Length - 4)];
        var decoder = new UTF8Encoding(false, throwOnInvalidBytes: true);
        try
        {
            var text = decoder.GetString(checkedPart);
            return !text.Any(c => char.IsControl(c) && c is not ('\t' or '\n' or '\r'));
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
