using System.Buffers.Binary;
using Confab.Chat.Attachments;

namespace Confab.Tests;

public class ContentSnifferTests
{
    [Fact]
    public void Lossy_webp_gives_the_key_frame_size()
    {
        var webp = Riff("VP8 ", 30);
        webp[23] = 0x9D;
        webp[24] = 0x01;
        webp[25] = 0x2A;
        BinaryPrimitives.WriteUInt16LittleEndian(webp.AsSpan(26), 0x4000 | 640); // a scaling bit, which is not size
        BinaryPrimitives.WriteUInt16LittleEndian(webp.AsSpan(28), 480);

        Assert.Equal("image/webp", ContentSniffer.Sniff(webp, complete: true));
        Assert.Equal((640, 480), ContentSniffer.Dimensions("image/webp", webp));
    }

    [Fact]
    public void Lossless_webp_gives_its_size()
    {
        var webp = Riff("VP8L", 25);
        webp[20] = 0x2F;
        BinaryPrimitives.WriteUInt32LittleEndian(webp.AsSpan(21), (uint)((4096 - 1) | ((300 - 1) << 14)));

        Assert.Equal((4096, 300), ContentSniffer.Dimensions("image/webp", webp));
    }

    [Fact]
    public void Lossy_webp_without_its_start_code_has_no_size() =>
        Assert.Null(ContentSniffer.Dimensions("image/webp", Riff("VP8 ", 30)));

    [Fact]
    public void A_jpeg_frame_header_behind_long_metadata_is_found_in_the_whole_file()
    {
        var exif = new byte[6000];
        var jpeg = new List<byte> { 0xFF, 0xD8, 0xFF, 0xE1, (byte)((exif.Length + 2) >> 8), (byte)((exif.Length + 2) & 0xFF) };
        jpeg.AddRange(exif);
        jpeg.AddRange([0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x03, 0x20, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
        var bytes = jpeg.ToArray();

        Assert.Null(ContentSniffer.Dimensions("image/jpeg", bytes.AsSpan(0, ContentSniffer.HeaderLength)));
        Assert.Equal((800, 600), ContentSniffer.Dimensions("image/jpeg", bytes));
    }

    private static byte[] Riff(string chunk, int length)
    {
        var bytes = new byte[length];
        "RIFF"u8.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(length - 8));
        "WEBP"u8.CopyTo(bytes.AsSpan(8));
        System.Text.Encoding.ASCII.GetBytes(chunk).CopyTo(bytes, 12);
        return bytes;
    }
}
