using System.Globalization;
using System.Text;

namespace Confab.IntegrationTests.Fuzz;

/// <summary>
/// The catalogue of values a hostile client sends: wrong JSON types, huge and empty strings, NUL, lone surrogates (as
/// escapes and as invalid UTF-8 bytes), numbers that overflow every integer type, garbage cursors, deep nesting.
/// Every pick goes through the caller's seeded <see cref="Random"/>, so a seed replays the same inputs.
/// </summary>
internal static class HostileValues
{
    private static readonly string Megabyte = new('a', 1 << 20);

    private static readonly string[] JsonLiterals =
    [
        "null", "true", "false", "0", "-0", "1", "-1", "0.5", "-0.5", "1.0", "1e400", "-1e400", "1e-400", "1E2",
        "2147483647", "2147483648", "-2147483649", "4294967296", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "-9223372036854775809", "18446744073709551616", "123456789012345678901234567890",
        "[]", "{}", "[null]", "[1,2,3]", "[\"a\"]", "{\"a\":1}", "[[]]", "{\"\":null}",
        "\"\\u0000\"", "\"a\\u0000b\"", "\"\\ud800\"", "\"\\udfff\"", "\"a\\ud800b\"", "\"\\udc00\\ud800\"", "\"\\ud83d\"",
        "\"\\u202e\"", "\"\\ufeff\"", "\"\\uffff\"", "\"\\u0007\"", "\"\\r\\n\"",
    ];

    private static readonly byte[][] InvalidUtf8 =
    [
        [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xFF, 0xFE], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0x80], [0xE2, 0x82],
    ];

    private static readonly string[] Strings =
    [
        "", " ", "\n", "\t", "a", "alice\n", " alice", "alice ", "ALICE", "al", "x@y.z\n", "a@b.c", "x\n@example.com",
        "<script>alert(1)</script>", "'; DROP TABLE users; --", "%00", "../../../etc/passwd", "..\\..\\boot.ini", "C:\\x",
        "\u202e\u0644\u0627", "Z\u0335\u0321\u0322\u0327\u0328\u0334\u0336\u0337\u0338", "👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "❤️", "1️⃣",
        "\u0000", "a\u0000", "\u0000\u0000\u0000", "\u0001\u001f\u007f\u0085\u2028\u2029", "\u00a0", "\u3000",
        "-1", "0", "1e400", "9223372036854775808", "NaN", "Infinity", "true", "null", "[]", "{}",
        "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "not-a-uuid", "{00000000-0000-0000-0000-000000000000}",
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.9999999Z", "2026-13-45T99:99:99Z", "-0001-01-01", "2026-12-01T00:00:00+14:00", "1970-01-01",
        "====", "###", "AAAA", "AA", "owner", "admin", "member", "moderator", "direct", "group", "start", "stop", "all",
        "https://example.com/a.png", "javascript:alert(1)", "http://", "file:///etc/passwd",
    ];

    /// <summary>A hostile JSON value, with the world's real ids among the choices so a value can also be well typed but wrong.</summary>
    public static JsonShape Json(Random random, FuzzWorld? world)
    {
        switch (random.Next(9))
        {
            case 0:
            case 1:
                return RawShape.Text(JsonLiterals[random.Next(JsonLiterals.Length)]);
            case 2:
            case 3:
                return RawShape.String(Strings[random.Next(Strings.Length)]);
            case 4:
                return RawShape.String(Huge(random));
            case 5:
                return InvalidUtf8String(random);
            case 6:
                return world is null ? RawShape.String(Guid.NewGuid().ToString()) : RawShape.String(world.AnyId(random));
            case 7:
                return Deep(random);
            default:
                return RawShape.String(Cursor(random, world));
        }
    }

    /// <summary>Huge or boundary-length strings: 1 MB, just over the documented limits, long runs of surrogate pairs and NULs.</summary>
    public static string Huge(Random random) => random.Next(8) switch
    {
        0 => Megabyte,
        1 => new string('a', 10_001),
        2 => new string('b', 101),
        3 => new string('c', 257),
        4 => string.Concat(Enumerable.Repeat("😀", 5_001)),
        5 => new string('\u0000', 1000),
        6 => new string('x', 100_000),
        _ => string.Concat(Enumerable.Repeat("e\u0301", 6_000)),
    };

    public static RawShape InvalidUtf8String(Random random)
    {
        var bytes = new List<byte> { (byte)'"', (byte)'a' };
        bytes.AddRange(InvalidUtf8[random.Next(InvalidUtf8.Length)]);
        bytes.Add((byte)'b');
        bytes.Add((byte)'"');
        return new RawShape([.. bytes]);
    }

    /// <summary>Nested past System.Text.Json's default depth of 64, or just under it.</summary>
    public static RawShape Deep(Random random)
    {
        var depth = random.Next(3) switch { 0 => 63, 1 => 65, _ => 1000 };
        var array = random.Next(2) == 0;
        var text = array
            ? new string('[', depth) + new string(']', depth)
            : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);
        return RawShape.Text(text);
    }

    /// <summary>Keyset cursors that decode to nonsense: overflowing ticks, negative ticks, wrong parts, invalid UTF-8, not base64.</summary>
    public static string Cursor(Random random, FuzzWorld? world)
    {
        var id = Guid.NewGuid();
        return random.Next(16) switch
        {
            0 => B64($"99999999999999999999:{id}"),
            1 => B64($"-1:{id}"),
            2 => B64($"3155378976000000000:{id}"),
            3 => B64($"{DateTime.MaxValue.Ticks}:{id}"),
            4 => B64("1:not-a-guid"),
            5 => B64($"1:{id}:extra"),
            6 => B64(":"),
            7 => B64(""),
            8 => Convert.ToBase64String([0xFF, 0xFE, 0xED, 0xA0, 0x80]),
            9 => "%%%",
            10 => "a",
            11 => "====",
            12 => new string('A', 100_000),
            13 => world?.Cursor is { } real ? real + "x" : "x",
            14 => world?.Cursor ?? B64($"1:{id}"),
            _ => B64($"{long.MaxValue}{long.MaxValue}:{id}"),
        };
    }

    /// <summary>A hostile query-string or path value, as raw bytes: the caller percent-encodes every byte, valid UTF-8 or not.</summary>
    public static byte[] Text(Random random, FuzzWorld? world) => random.Next(10) switch
    {
        0 => [.. InvalidUtf8[random.Next(InvalidUtf8.Length)]],
        1 => Encoding.UTF8.GetBytes(Huge(random) is var h && h.Length > 20_000 ? h[..20_000] : h),
        2 => Encoding.UTF8.GetBytes(Cursor(random, world)),
        3 => Encoding.UTF8.GetBytes(world?.AnyId(random) ?? Guid.NewGuid().ToString()),
        4 => Encoding.UTF8.GetBytes(Number(random)),
        _ => Encoding.UTF8.GetBytes(Strings[random.Next(Strings.Length)]),
    };

    public static string Number(Random random) => random.Next(12) switch
    {
        0 => "-1",
        1 => "0",
        2 => "2147483648",
        3 => "-2147483649",
        4 => "9223372036854775808",
        5 => "-9223372036854775809",
        6 => "1e3",
        7 => "0.5",
        8 => "0x10",
        9 => " 1",
        10 => "1,000",
        _ => "NaN",
    };

    /// <summary>Percent-encodes every byte outside the unreserved set, so invalid UTF-8 and NUL reach the server as sent.</summary>
    public static string Escape(byte[] bytes)
    {
        var text = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (b is (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z') or (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~')
            {
                text.Append((char)b);
            }
            else
            {
                text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return text.ToString();
    }

    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
