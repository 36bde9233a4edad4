using System.Buffers.Binary;

namespace Confab.Chat.Ids;

/// <summary>
/// UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Time-ordered, so new rows land at
/// the end of an index, and unguessable. The runtime's <see cref="Guid.CreateVersion7(DateTimeOffset)"/> makes them
/// (its random bits come from the operating system's CSPRNG); synthetic data passes its own seeded random source to
/// stay reproducible, which the runtime cannot.
/// </summary>
public static class Uuid7
{
    public static Guid NewId() => Guid.CreateVersion7();

    public static Guid NewId(DateTimeOffset time) => Guid.CreateVersion7(time);

    /// <summary>A reproducible id: the same time and the same state of <paramref name="random"/> give the same id.</summary>
    public static Guid NewId(DateTimeOffset time, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> bytes = stackalloc byte[10];
        random.NextBytes(bytes);
        return Build(time, bytes);
    }

    /// <summary>The creation time carried in the id, to the millisecond.</summary>
    public static DateTimeOffset Timestamp(Guid id)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes, bigEndian: true, out _);
        var ms = (long)(BinaryPrimitives.ReadUInt64BigEndian(bytes) >> 16);
        return DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }

    private static Guid Build(DateTimeOffset time, ReadOnlySpan<byte> random)
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = (ulong)time.ToUnixTimeMilliseconds();
        BinaryPrimitives.WriteUInt64BigEndian(bytes, ms << 16);
        random.CopyTo(bytes[6..]);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));   // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));   // variant 10
        return new Guid(bytes, bigEndian: true);
    }
}
